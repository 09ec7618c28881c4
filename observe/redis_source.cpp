#include "observe/redis_source.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <boost/url/parse.hpp>

namespace volley::observe {
namespace {

using Clock = std::chrono::steady_clock;
using reports::ObservedKind;
using reports::ObservedValue;

// SCAN's COUNT hint: keys Redis looks at per call (MATCH filters after). A call visits about
// this many keys, which is how scan_limit is counted.
constexpr std::size_t scan_count = 1000;

struct ContextFree {
    void operator()(redisContext* context) const { redisFree(context); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
struct ReplyFree {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(std::chrono::microseconds duration) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(duration.count() / 1'000'000);
    tv.tv_usec = static_cast<suseconds_t>(duration.count() % 1'000'000);
    return tv;
}

int parse_small_int(std::string_view text, std::string_view url, const char* what, int max) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > max) {
        throw SourceError(fmt::format("redis URL '{}': bad {} '{}'", url, what, text));
    }
    return value;
}

std::optional<std::uint64_t> parse_counter(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// INFO's answer: "# Section\r\nfield:value\r\n…" into field → value.
std::map<std::string, std::string, std::less<>> parse_info(std::string_view text) {
    std::map<std::string, std::string, std::less<>> fields;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        fields.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
    return fields;
}

// INFO's counters that become deltas.
struct InfoCounters {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t commands = 0;
    std::uint64_t evicted = 0;
    std::uint64_t expired = 0;
};

// A counter's increase; a smaller value means it was reset (CONFIG RESETSTAT): it rose from 0.
std::uint64_t increase(std::uint64_t previous, std::uint64_t current) {
    return current >= previous ? current - previous : current;
}

std::uint64_t minus_own(std::uint64_t delta, std::uint64_t own) {
    return delta > own ? delta - own : 0;
}

// The nearest-rank quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

class RedisSource final : public ObserveSource {
public:
    RedisSource(RedisSourceSpec spec, std::chrono::milliseconds timeout)
        : spec_(std::move(spec)), timeout_(timeout) {
        // hiredis writes with write(2): a write to a connection the server has reset would
        // raise SIGPIPE and kill the process. Ignore it unless the application handles it.
        struct sigaction current {};
        if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            ::signal(SIGPIPE, SIG_IGN);
        }
    }

    [[nodiscard]] std::string name() const override { return "redis"; }

    SourceSample sample(const SampleContext& context) override {
        if (!address_) address_ = parse_redis_address(spec_.url);  // a bad URL fails each sample
        deadline_ = Clock::now() + timeout_;
        if (!connection_) connect();

        // INFO first: the key-pattern commands below are counted in the next INFO, and taken
        // off the next delta (own_*).
        const ReplyPtr info = command({"INFO"}, "INFO");
        if (info->type != REDIS_REPLY_STRING) {
            fail("INFO did not answer text");
        }
        const auto fields = parse_info(std::string_view(info->str, info->len));
        SourceSample sample;
        const InfoCounters current = read_counters(fields);
        if (previous_) add_deltas(*previous_, current, context, sample);
        add_gauge(fields, "used_memory", "redis.used_memory", "bytes", sample);
        add_gauge(fields, "connected_clients", "redis.connected_clients", "count", sample);
        previous_ = current;
        own_commands_ = 1;  // this INFO: Redis counts a command after it ran
        own_hits_ = 0;
        own_misses_ = 0;

        for (const auto& pattern : spec_.key_patterns) add_pattern_figures(pattern, sample);
        return sample;
    }

private:
    void connect() {
        const std::string where = address_->host_port();
        ContextPtr context(
            redisConnectWithTimeout(address_->host.c_str(), address_->port, remaining()));
        if (!context)
            throw SourceError(fmt::format("redis {}: cannot connect: out of memory", where));
        if (context->err != 0) {
            throw SourceError(fmt::format("redis {}: cannot connect: {}", where, context->errstr));
        }
        connection_ = std::move(context);
        previous_.reset();  // a new connection: its first INFO is a new baseline
        if (!address_->password.empty()) command({"AUTH", address_->password}, "AUTH");
        if (address_->db != 0) command({"SELECT", std::to_string(address_->db)}, "SELECT");
    }

    timeval remaining() {
        const auto left =
            std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now());
        if (left.count() <= 0) {
            fail(fmt::format("no answer within the timeout ({} ms)", timeout_.count()));
        }
        return to_timeval(left);
    }

    // Drops the connection (the next sample opens a new one, a new baseline) and throws.
    [[noreturn]] void fail(const std::string& why) {
        connection_.reset();
        previous_.reset();
        throw SourceError(fmt::format("redis {}: {}", address_->host_port(), why));
    }

    // Sends one command and reads its answer; an error answer or a broken connection fails.
    ReplyPtr command(const std::vector<std::string>& args, std::string_view what) {
        send(args);
        return receive(what);
    }

    void send(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& arg : args) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        if (redisAppendCommandArgv(connection_.get(), static_cast<int>(argv.size()), argv.data(),
                                   lengths.data()) != REDIS_OK) {
            fail(fmt::format("cannot send {}: {}", args.front(), connection_->errstr));
        }
    }

    ReplyPtr receive(std::string_view what) {
        const timeval left = remaining();
        redisSetTimeout(connection_.get(), left);
        void* raw = nullptr;
        if (redisGetReply(connection_.get(), &raw) != REDIS_OK || raw == nullptr) {
            const bool timed_out =
                connection_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
            fail(timed_out ? fmt::format("{}: no answer within the timeout ({} ms)", what,
                                         timeout_.count())
                           : fmt::format("{}: {}", what, connection_->errstr));
        }
        ReplyPtr reply(static_cast<redisReply*>(raw));
        if (reply->type == REDIS_REPLY_ERROR) {
            fail(fmt::format("{}: {}", what, std::string_view(reply->str, reply->len)));
        }
        return reply;
    }

    InfoCounters read_counters(const std::map<std::string, std::string, std::less<>>& fields) {
        auto counter = [&](std::string_view field) {
            const auto found = fields.find(field);
            const auto value = found == fields.end() ? std::nullopt : parse_counter(found->second);
            if (!value) fail(fmt::format("INFO has no number for {}", field));
            return *value;
        };
        return {counter("keyspace_hits"), counter("keyspace_misses"),
                counter("total_commands_processed"), counter("evicted_keys"),
                counter("expired_keys")};
    }

    void add_deltas(const InfoCounters& before, const InfoCounters& now,
                    const SampleContext& context, SourceSample& sample) const {
        const auto hits = minus_own(increase(before.hits, now.hits), own_hits_);
        const auto misses = minus_own(increase(before.misses, now.misses), own_misses_);
        const auto commands = minus_own(increase(before.commands, now.commands), own_commands_);
        const double seconds = context.interval_s;
        auto value = [&](const char* series, ObservedKind kind, const char* unit, double num,
                         double den) {
            sample.values.push_back(ObservedValue{series, kind, unit, {num, den}});
        };
        value("redis.hit_rate", ObservedKind::ratio, "ratio", static_cast<double>(hits),
              static_cast<double>(hits + misses));
        value("redis.ops", ObservedKind::rate, "1/s", static_cast<double>(commands), seconds);
        value("redis.evicted_keys", ObservedKind::rate, "1/s",
              static_cast<double>(increase(before.evicted, now.evicted)), seconds);
        value("redis.expired_keys", ObservedKind::rate, "1/s",
              static_cast<double>(increase(before.expired, now.expired)), seconds);
    }

    static void add_gauge(const std::map<std::string, std::string, std::less<>>& fields,
                          std::string_view field, const char* series, const char* unit,
                          SourceSample& sample) {
        const auto found = fields.find(field);
        if (found == fields.end()) return;
        if (const auto value = parse_counter(found->second)) {
            sample.values.push_back(
                ObservedValue{series, ObservedKind::gauge, unit, {static_cast<double>(*value), 0}});
        }
    }

    // redis.keys{pattern:P} from SCAN MATCH P (at most scan_limit keys visited), then the TTLs
    // of at most key_sample of its keys, read with one pipelined batch of PTTL.
    void add_pattern_figures(const std::string& pattern, SourceSample& sample) {
        std::unordered_set<std::string> keys;  // SCAN may return a key twice (rehashing)
        std::vector<std::string> ttl_keys;
        std::string cursor = "0";
        std::size_t visited = 0;
        bool cut = false;
        do {
            if (visited >= spec_.scan_limit) {
                cut = true;
                break;
            }
            const std::size_t count = std::min(scan_count, spec_.scan_limit - visited);
            const ReplyPtr reply =
                command({"SCAN", cursor, "MATCH", pattern, "COUNT", std::to_string(count)}, "SCAN");
            ++own_commands_;
            visited += count;
            if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
                reply->element[0]->type != REDIS_REPLY_STRING ||
                reply->element[1]->type != REDIS_REPLY_ARRAY) {
                fail("SCAN answered something else than [cursor, keys]");
            }
            cursor.assign(reply->element[0]->str, reply->element[0]->len);
            const redisReply* found = reply->element[1];
            for (std::size_t i = 0; i < found->elements; ++i) {
                std::string key(found->element[i]->str, found->element[i]->len);
                if (keys.insert(key).second && ttl_keys.size() < spec_.key_sample) {
                    ttl_keys.push_back(std::move(key));
                }
            }
        } while (cursor != "0");

        const std::string label = fmt::format("{{pattern:{}}}", pattern);
        sample.values.push_back(ObservedValue{"redis.keys" + label,
                                              ObservedKind::gauge,
                                              "count",
                                              {static_cast<double>(keys.size()), 0}});
        if (cut && scan_cut_noted_.insert(pattern).second) {
            sample.notes.push_back(
                fmt::format("redis key pattern {}: SCAN stops after visiting scan_limit ({}) keys; "
                            "redis.keys{} is a lower bound and its TTLs a sample of the keys seen",
                            pattern, spec_.scan_limit, label));
        }
        add_ttl_figures(ttl_keys, label, sample);
    }

    void add_ttl_figures(const std::vector<std::string>& keys, const std::string& label,
                         SourceSample& sample) {
        if (keys.empty()) return;
        for (const auto& key : keys) send({"PTTL", key});
        std::vector<double> ttl_s;
        std::size_t without_ttl = 0;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const ReplyPtr reply = receive("PTTL");
            ++own_commands_;
            if (reply->type != REDIS_REPLY_INTEGER)
                fail("PTTL answered something else than a number");
            // PTTL looks the key up: Redis counts a keyspace hit (or a miss for -2, a key gone
            // since SCAN), which the next delta of redis.hit_rate leaves out.
            if (reply->integer == -2) {
                ++own_misses_;
                continue;
            }
            ++own_hits_;
            if (reply->integer == -1) {
                ++without_ttl;
            } else {
                ttl_s.push_back(static_cast<double>(reply->integer) / 1000.0);
            }
        }
        const std::size_t existing = ttl_s.size() + without_ttl;
        if (existing == 0) return;
        sample.values.push_back(
            ObservedValue{"redis.no_ttl_share" + label,
                          ObservedKind::gauge,
                          "ratio",
                          {static_cast<double>(without_ttl) / static_cast<double>(existing), 0}});
        if (ttl_s.empty()) return;
        std::sort(ttl_s.begin(), ttl_s.end());
        sample.values.push_back(ObservedValue{
            "redis.ttl_p50" + label, ObservedKind::gauge, "seconds", {quantile(ttl_s, 0.5), 0}});
        sample.values.push_back(ObservedValue{
            "redis.ttl_p90" + label, ObservedKind::gauge, "seconds", {quantile(ttl_s, 0.9), 0}});
    }

    RedisSourceSpec spec_;
    std::chrono::milliseconds timeout_;
    std::optional<RedisAddress> address_;
    ContextPtr connection_;
    Clock::time_point deadline_{};
    std::optional<InfoCounters> previous_;  // the last good INFO: the baseline of the deltas
    // The source's own commands and key lookups since the last INFO: the next INFO counts them,
    // its deltas leave them out (they are volley's sampling, not the system's load).
    std::uint64_t own_commands_ = 0;
    std::uint64_t own_hits_ = 0;
    std::uint64_t own_misses_ = 0;
    std::set<std::string> scan_cut_noted_;  // patterns whose cut SCAN was already noted
};

}  // namespace

std::string RedisAddress::host_port() const { return fmt::format("{}:{}", host, port); }

RedisAddress parse_redis_address(std::string_view url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        throw SourceError(
            fmt::format("redis URL '{}' is not a URL: {}", url, parsed.error().message()));
    }
    if (parsed->scheme() != "redis") {
        throw SourceError(fmt::format("redis URL '{}': the scheme must be redis://", url));
    }
    RedisAddress address;
    address.host = parsed->host_address();
    if (address.host.empty()) throw SourceError(fmt::format("redis URL '{}' names no host", url));
    if (parsed->has_port()) {
        address.port = parse_small_int(parsed->port(), url, "port", 65535);
        if (address.port == 0) throw SourceError(fmt::format("redis URL '{}': bad port 0", url));
    }
    if (parsed->has_password()) address.password = parsed->password();
    const std::string path = parsed->path();
    if (!path.empty() && path != "/") {
        address.db =
            parse_small_int(std::string_view(path).substr(1), url, "database number", 1'000'000);
    }
    return address;
}

std::unique_ptr<ObserveSource> make_redis_source(const RedisSourceSpec& spec,
                                                 std::chrono::milliseconds timeout) {
    return std::make_unique<RedisSource>(spec, timeout);
}

}  // namespace volley::observe
