#include "resolver/embedded/embedded_l2.hpp"

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace volley::resolver {
namespace {

struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

}  // namespace

struct alignas(64) EmbeddedL2::Shard {
    struct Entry {
        std::string value;
        std::int64_t expires_ns;
    };
    std::mutex mu;
    std::unordered_map<std::string, Entry, TransparentHash, std::equal_to<>> map;
    std::deque<std::string> order;  // insertion order, for eviction (may hold erased keys)
};

EmbeddedL2::EmbeddedL2(std::size_t capacity, std::size_t shards)
    : shard_count_(std::max<std::size_t>(1, shards)),
      per_shard_(std::max<std::size_t>(1, (capacity + shard_count_ - 1) / shard_count_)),
      shards_(std::make_unique<Shard[]>(shard_count_)) {}

EmbeddedL2::~EmbeddedL2() = default;

EmbeddedL2::Shard& EmbeddedL2::shard_for(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % shard_count_];
}

std::optional<std::string> EmbeddedL2::get(std::string_view key) {
    Shard& s = shard_for(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return std::nullopt;
    if (now_ns() >= it->second.expires_ns) {
        s.map.erase(it);
        return std::nullopt;
    }
    return it->second.value;
}

void EmbeddedL2::set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
    const std::int64_t now = now_ns();
    const std::int64_t expires = now + std::chrono::nanoseconds(ttl).count();
    Shard& s = shard_for(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(key);
    if (it != s.map.end()) {
        it->second = Shard::Entry{std::string(value), expires};
        return;
    }
    if (s.map.size() >= per_shard_) {
        std::erase_if(s.map, [&](const auto& kv) { return now >= kv.second.expires_ns; });
        while (s.map.size() >= per_shard_ && !s.order.empty()) {
            s.map.erase(s.order.front());
            s.order.pop_front();
        }
    }
    if (s.order.size() > 2 * per_shard_) {  // drop keys that were erased on expiry
        std::erase_if(s.order, [&](const std::string& k) { return !s.map.contains(k); });
    }
    s.map.emplace(std::string(key), Shard::Entry{std::string(value), expires});
    s.order.emplace_back(key);
}

std::size_t EmbeddedL2::size() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        std::lock_guard lock(shards_[i].mu);
        n += shards_[i].map.size();
    }
    return n;
}

void EmbeddedL2::clear() {
    for (std::size_t i = 0; i < shard_count_; ++i) {
        std::lock_guard lock(shards_[i].mu);
        shards_[i].map.clear();
        shards_[i].order.clear();
    }
}

}  // namespace volley::resolver
