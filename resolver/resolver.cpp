#include "resolver/resolver.hpp"

#include "resolver/id.hpp"
#include "resolver/l2_codec.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace volley::resolver {

struct Resolver::Fetched {
    Status status = Status::unavailable;
    Tier tier = Tier::none;
    CachedAnswer answer;
    std::string error;
    bool coalesced = false;
};

// Miss coalescing: the first request to miss L1 for (kind, generation, id) becomes the leader
// and fetches; later ones wait (until their own deadline) for the leader's result.
class Resolver::Flights {
public:
    struct Flight {
        std::mutex mu;
        std::condition_variable cv;
        bool done = false;
        Fetched result;
    };

    // Returns the flight for the key and whether the caller is its leader.
    std::pair<std::shared_ptr<Flight>, bool> join(const std::string& key) {
        Shard& s = shard(key);
        std::lock_guard lock(s.mu);
        auto [it, inserted] = s.flights.try_emplace(key);
        if (inserted) it->second = std::make_shared<Flight>();
        return {it->second, inserted};
    }

    // Called exactly once by the leader: unregisters the flight, then wakes the waiters.
    void finish(const std::string& key, Flight& flight, const Fetched& result) {
        {
            Shard& s = shard(key);
            std::lock_guard lock(s.mu);
            s.flights.erase(key);
        }
        {
            std::lock_guard lock(flight.mu);
            flight.result = result;
            flight.done = true;
        }
        flight.cv.notify_all();
    }

    static std::optional<Fetched> wait(Flight& flight, Deadline deadline) {
        std::unique_lock lock(flight.mu);
        if (!flight.cv.wait_until(lock, deadline, [&] { return flight.done; })) return std::nullopt;
        return flight.result;
    }

private:
    static constexpr std::size_t shard_count = 16;
    struct alignas(64) Shard {
        std::mutex mu;
        std::unordered_map<std::string, std::shared_ptr<Flight>> flights;
    };
    Shard& shard(const std::string& key) {
        return shards_[std::hash<std::string>{}(key) % shard_count];
    }
    Shard shards_[shard_count];
};

namespace {

std::int64_t to_ns(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int kind_index(LookupKind k) { return k == LookupKind::ancestors ? 0 : 1; }

std::chrono::milliseconds jittered(std::chrono::milliseconds ttl,
                                   std::chrono::milliseconds jitter) {
    if (jitter.count() <= 0) return ttl;
    thread_local std::minstd_rand rng{std::random_device{}()};
    std::uniform_int_distribution<std::int64_t> d(-jitter.count(), jitter.count());
    return std::max(std::chrono::milliseconds(1000), ttl + std::chrono::milliseconds(d(rng)));
}

Status status_of(const BackendError& e) {
    return e.kind() == BackendError::Kind::timeout ? Status::timeout : Status::unavailable;
}

}  // namespace

Resolver::Resolver(ResolverOptions options, Backends backends)
    : options_(std::move(options)),
      backends_(std::move(backends)),
      l1_(options_.l1_capacity, options_.l1_shards),
      flights_(std::make_unique<Flights>()) {
    if (!backends_.live) throw std::invalid_argument("resolver: a live store (L4) is required");
    if (!backends_.clock) throw std::invalid_argument("resolver: a generation clock is required");
}

Resolver::~Resolver() = default;

namespace {

AncestorsResult to_ancestors_result(Resolver::Fetched&& f);
CountResult to_count_result(Resolver::Fetched&& f);

}  // namespace

AncestorsResult Resolver::ancestors(std::string_view id) {
    return to_ancestors_result(lookup(LookupKind::ancestors, id));
}

CountResult Resolver::descendant_count(std::string_view id) {
    return to_count_result(lookup(LookupKind::count, id));
}

std::optional<AncestorsResult> Resolver::ancestors_in_memory(std::string_view id) {
    auto f = answer_in_memory(LookupKind::ancestors, id);
    if (!f) return std::nullopt;
    return to_ancestors_result(std::move(*f));
}

std::optional<CountResult> Resolver::descendant_count_in_memory(std::string_view id) {
    auto f = answer_in_memory(LookupKind::count, id);
    if (!f) return std::nullopt;
    return to_count_result(std::move(*f));
}

namespace {

AncestorsResult to_ancestors_result(Resolver::Fetched&& f) {
    AncestorsResult r;
    r.status = f.status;
    r.served_by = f.tier;
    r.coalesced = f.coalesced;
    r.error = std::move(f.error);
    if (f.status == Status::ok) r.value = std::move(f.answer.ancestors);
    return r;
}

CountResult to_count_result(Resolver::Fetched&& f) {
    CountResult r;
    r.status = f.status;
    r.served_by = f.tier;
    r.coalesced = f.coalesced;
    r.error = std::move(f.error);
    if (f.status == Status::ok) r.value = f.answer.count;
    return r;
}

}  // namespace

std::optional<Resolver::Fetched> Resolver::answer_in_memory(LookupKind kind, std::string_view id) {
    const int k = kind_index(kind);
    if (!valid_id(id)) {
        counters_.outcome(k, Status::invalid_id, Tier::none);
        return Fetched{Status::invalid_id, Tier::none, {}, "malformed entity id", false};
    }
    if (auto hit = l1_.get(kind, id, backends_.clock->current())) {
        // L1 probe hits are not counted separately: they equal the answers served by L1.
        const Status s = hit->not_found ? Status::not_found : Status::ok;
        counters_.outcome(k, s, Tier::l1_memory);
        return Fetched{s, Tier::l1_memory, std::move(*hit), {}, false};
    }
    return std::nullopt;
}

std::optional<Resolver::L2Probe> Resolver::l2_probe(LookupKind kind, std::string_view id) const {
    const L2Cache* l2 = backends_.l2.get();
    if (l2 == nullptr || !l2->available()) return std::nullopt;
    L2Probe probe;
    probe.kind = kind;
    probe.generation = backends_.clock->current();
    probe.key = l2_key(options_.l2_key_prefix, kind, probe.generation, id);
    return probe;
}

std::optional<Resolver::Fetched> Resolver::answer_from_l2(LookupKind kind, std::string_view id,
                                                          const L2Probe& probe,
                                                          const std::optional<std::string>& value) {
    if (!value) return std::nullopt;
    auto answer = decode_l2_value(kind, *value);
    if (!answer) return std::nullopt;
    counters_.probe(Tier::l1_memory, ResolverCounters::miss);
    counters_.probe(Tier::l2_redis, ResolverCounters::hit);
    fill_l1(kind, id, probe.generation, *answer);
    const Status s = answer->not_found ? Status::not_found : Status::ok;
    counters_.outcome(kind_index(kind), s, Tier::l2_redis);
    return Fetched{s, Tier::l2_redis, std::move(*answer), {}, false};
}

std::optional<AncestorsResult> Resolver::ancestors_from_l2(
    std::string_view id, const L2Probe& probe, const std::optional<std::string>& value) {
    auto f = answer_from_l2(LookupKind::ancestors, id, probe, value);
    if (!f) return std::nullopt;
    return to_ancestors_result(std::move(*f));
}

std::optional<CountResult> Resolver::descendant_count_from_l2(
    std::string_view id, const L2Probe& probe, const std::optional<std::string>& value) {
    auto f = answer_from_l2(LookupKind::count, id, probe, value);
    if (!f) return std::nullopt;
    return to_count_result(std::move(*f));
}

AncestorsResult Resolver::ancestors_below_l2(std::string_view id, const L2Probe& probe,
                                             L2FillSink* fills) {
    return to_ancestors_result(
        lookup_below_l1(LookupKind::ancestors, id, probe.generation, &probe, fills));
}

CountResult Resolver::descendant_count_below_l2(std::string_view id, const L2Probe& probe,
                                                L2FillSink* fills) {
    return to_count_result(lookup_below_l1(LookupKind::count, id, probe.generation, &probe, fills));
}

Resolver::Fetched Resolver::lookup(LookupKind kind, std::string_view id) {
    if (auto answered = answer_in_memory(kind, id)) return std::move(*answered);
    // The generation is read after the L1 probe: a refresh between the two makes this fetch
    // (and its fills) belong to the newer generation, never an older one.
    return lookup_below_l1(kind, id, backends_.clock->current(), nullptr, nullptr);
}

Resolver::Fetched Resolver::lookup_below_l1(LookupKind kind, std::string_view id,
                                            std::uint64_t generation, const L2Probe* probed,
                                            L2FillSink* fills) {
    const int k = kind_index(kind);
    counters_.probe(Tier::l1_memory, ResolverCounters::miss);
    const Deadline deadline = Clock::now() + options_.request_timeout;

    std::string flight_key;
    flight_key.reserve(id.size() + 24);
    flight_key.push_back(static_cast<char>(kind));
    flight_key.append(std::to_string(generation));
    flight_key.push_back(':');
    flight_key.append(id);

    auto [flight, leader] = flights_->join(flight_key);
    Fetched f;
    if (leader) {
        try {
            f = fetch_below_l1(kind, id, generation, deadline, probed, fills);
        } catch (const std::exception& e) {  // bad_alloc and the like: never strand waiters
            f = Fetched{Status::unavailable, Tier::none, {}, e.what(), false};
        }
        flights_->finish(flight_key, *flight, f);
    } else {
        counters_.add(ResolverCounters::coalesced);
        if (auto shared = Flights::wait(*flight, deadline)) {
            f = std::move(*shared);
        } else {
            f = Fetched{
                Status::timeout, Tier::none, {}, "timed out waiting for a concurrent fetch", false};
        }
        f.coalesced = true;
    }
    counters_.outcome(k, f.status, f.tier);
    return f;
}

Resolver::Fetched Resolver::fetch_below_l1(LookupKind kind, std::string_view id,
                                           std::uint64_t generation, Deadline deadline,
                                           const L2Probe* probed, L2FillSink* fills) {
    std::string key2;
    L2Cache* l2 = backends_.l2.get();
    if (probed != nullptr) {  // the caller's own L2 read missed; fills still go to L2
        key2 = probed->key;
        counters_.probe(Tier::l2_redis, ResolverCounters::miss);
    } else if (l2 != nullptr) {
        key2 = l2_key(options_.l2_key_prefix, kind, generation, id);
        try {
            if (auto raw = l2->get(key2)) {
                if (auto answer = decode_l2_value(kind, *raw)) {
                    counters_.probe(Tier::l2_redis, ResolverCounters::hit);
                    fill_l1(kind, id, generation, *answer);
                    const Status s = answer->not_found ? Status::not_found : Status::ok;
                    return Fetched{s, Tier::l2_redis, std::move(*answer), {}, false};
                }
            }
            counters_.probe(Tier::l2_redis, ResolverCounters::miss);
        } catch (const BackendError& e) {
            counters_.probe(Tier::l2_redis,
                            e.fast_fail() ? ResolverCounters::skipped : ResolverCounters::error);
        } catch (const std::exception&) {
            counters_.probe(Tier::l2_redis, ResolverCounters::error);
        }
    }
    const std::string* key2_ptr = l2 != nullptr ? &key2 : nullptr;

    if (ViewStore* view = backends_.view.get()) {
        try {
            std::optional<CachedAnswer> answer;
            if (kind == LookupKind::ancestors) {
                if (auto a = view->view_ancestors(id, deadline)) answer = CachedAnswer{false, a, 0};
            } else if (auto n = view->view_descendant_count(id, deadline)) {
                answer = CachedAnswer{false, nullptr, *n};
            }
            if (answer) {
                counters_.probe(Tier::l3_view, ResolverCounters::hit);
                fill(kind, id, generation, *answer, key2_ptr, fills);
                return Fetched{Status::ok, Tier::l3_view, std::move(*answer), {}, false};
            }
            counters_.probe(Tier::l3_view, ResolverCounters::miss);
        } catch (const BackendError& e) {
            counters_.probe(Tier::l3_view,
                            e.fast_fail() ? ResolverCounters::skipped : ResolverCounters::error);
        } catch (const std::exception&) {
            counters_.probe(Tier::l3_view, ResolverCounters::error);
        }
    }

    if (Clock::now() >= deadline) {
        counters_.probe(Tier::l4_live, ResolverCounters::skipped);
        return Fetched{Status::timeout, Tier::none, {}, "request deadline passed before L4", false};
    }
    try {
        CachedAnswer answer;
        if (kind == LookupKind::ancestors) {
            answer.ancestors = backends_.live->live_ancestors(id, deadline);
            answer.not_found = answer.ancestors == nullptr;
        } else {
            auto n = backends_.live->live_descendant_count(id, deadline);
            answer.not_found = !n.has_value();
            answer.count = n.value_or(0);
        }
        counters_.probe(Tier::l4_live,
                        answer.not_found ? ResolverCounters::miss : ResolverCounters::hit);
        fill(kind, id, generation, answer, key2_ptr, fills);
        const Status s = answer.not_found ? Status::not_found : Status::ok;
        return Fetched{s, Tier::l4_live, std::move(answer), {}, false};
    } catch (const BackendError& e) {
        counters_.probe(Tier::l4_live,
                        e.fast_fail() ? ResolverCounters::skipped : ResolverCounters::error);
        return Fetched{status_of(e), Tier::none, {}, e.what(), false};
    } catch (const std::exception& e) {
        counters_.probe(Tier::l4_live, ResolverCounters::error);
        return Fetched{Status::unavailable, Tier::none, {}, e.what(), false};
    }
}

void Resolver::fill(LookupKind kind, std::string_view id, std::uint64_t generation,
                    const CachedAnswer& answer, const std::string* key2, L2FillSink* fills) {
    if (key2 != nullptr) {
        const auto ttl = answer.not_found ? options_.negative_ttl
                                          : jittered(options_.l2_ttl, options_.l2_ttl_jitter);
        if (fills != nullptr) {
            fills->fill(*key2, encode_l2_value(kind, answer), ttl);
            fill_l1(kind, id, generation, answer);
            return;
        }
        try {
            backends_.l2->set(*key2, encode_l2_value(kind, answer), ttl);
        } catch (const BackendError& e) {
            // Best effort: a failed fill costs a later miss, never a failed request. Fills
            // refused by an open breaker are not errors (the outage is already counted).
            if (!e.fast_fail()) counters_.add(ResolverCounters::l2_fill_errors);
        } catch (const std::exception&) {
            counters_.add(ResolverCounters::l2_fill_errors);
        }
    }
    fill_l1(kind, id, generation, answer);
}

void Resolver::fill_l1(LookupKind kind, std::string_view id, std::uint64_t generation,
                       const CachedAnswer& answer) {
    std::int64_t expires = 0;
    const auto ttl = answer.not_found ? options_.negative_ttl : options_.l1_ttl;
    if (ttl.count() > 0) expires = to_ns(Clock::now() + ttl);
    l1_.put(kind, id, generation, answer, expires);
}

WriteResult Resolver::upsert_entity(const EntityWrite& write) {
    if (!valid_id(write.entity_id) || (!write.parent_id.empty() && !valid_id(write.parent_id))) {
        counters_.add(ResolverCounters::write_errors);
        WriteResult r;
        r.status = WriteStatus::invalid_id;
        r.error = "malformed entity_id or parent_id";
        return r;
    }
    WriteResult r;
    try {
        r = backends_.live->upsert(write, Clock::now() + options_.write_timeout);
    } catch (const BackendError& e) {
        r.status = e.kind() == BackendError::Kind::timeout ? WriteStatus::timeout
                                                           : WriteStatus::unavailable;
        r.error = e.what();
    } catch (const std::exception& e) {
        r.status = WriteStatus::unavailable;
        r.error = e.what();
    }
    if (r.ok()) {
        backends_.clock->advance_to(r.generation);
        counters_.add(ResolverCounters::writes);
    } else {
        counters_.add(ResolverCounters::write_errors);
    }
    return r;
}

RefreshResult Resolver::refresh_views() {
    RefreshResult r;
    if (!backends_.view) {
        r.status = Status::unavailable;
        r.error = "no view tier (L3) configured";
        counters_.add(ResolverCounters::refresh_errors);
        return r;
    }
    const auto t0 = Clock::now();
    try {
        r.generation = backends_.view->refresh_views(t0 + options_.refresh_timeout);
        r.status = Status::ok;
    } catch (const BackendError& e) {
        r.status = status_of(e);
        r.error = e.what();
    } catch (const std::exception& e) {
        r.status = Status::unavailable;
        r.error = e.what();
    }
    const auto elapsed = Clock::now() - t0;
    r.duration_ms = std::chrono::duration<double, std::milli>(elapsed).count();
    if (r.ok()) {
        backends_.clock->advance_to(r.generation);
        counters_.add(ResolverCounters::refreshes);
        last_refresh_us_.store(
            std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
        last_refresh_unix_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    } else {
        counters_.add(ResolverCounters::refresh_errors);
    }
    return r;
}

MetricsSnapshot Resolver::metrics() const {
    MetricsSnapshot m;
    counters_.read_into(m);
    m.l1_size = l1_.size();
    m.l1_capacity = l1_.capacity();
    m.l2_configured = backends_.l2 != nullptr;
    m.l2_available = m.l2_configured && backends_.l2->available();
    m.l3_configured = backends_.view != nullptr;
    m.l3_available = m.l3_configured && backends_.view->view_available();
    m.l4_available = backends_.live->live_available();
    m.pool = backends_.live->pool_stats();
    m.generation = backends_.clock->current();
    m.last_refresh_ms = static_cast<double>(last_refresh_us_.load()) / 1000.0;
    m.last_refresh_unix_ms = last_refresh_unix_ms_.load();
    return m;
}

}  // namespace volley::resolver
