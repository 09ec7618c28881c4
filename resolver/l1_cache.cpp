#include "resolver/l1_cache.hpp"

#include "resolver/id.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <list>
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

// Key = kind byte + id, built on the stack (ids are at most 64 bytes).
class KeyBuf {
public:
    KeyBuf(LookupKind kind, std::string_view id) : len_(1 + std::min(id.size(), max_id_length)) {
        buf_[0] = static_cast<char>(kind);
        id.copy(buf_ + 1, len_ - 1);
    }
    [[nodiscard]] std::string_view view() const { return {buf_, len_}; }

private:
    char buf_[1 + max_id_length];
    std::size_t len_;
};

}  // namespace

struct alignas(64) L1Cache::Shard {
    struct Entry {
        std::string key;
        std::uint64_t generation;
        std::int64_t expires_ns;
        CachedAnswer value;
    };
    std::mutex mu;
    std::size_t capacity = 0;
    std::list<Entry> lru;  // front = most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator, TransparentHash, std::equal_to<>>
        index;
};

L1Cache::L1Cache(std::size_t capacity, std::size_t shards)
    : capacity_(capacity),
      shard_count_(std::max<std::size_t>(1, std::min(shards, std::max<std::size_t>(capacity, 1)))),
      shards_(std::make_unique<Shard[]>(shard_count_)) {
    const std::size_t per_shard = (capacity + shard_count_ - 1) / shard_count_;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        shards_[i].capacity = per_shard;
        shards_[i].index.reserve(per_shard);
    }
}

L1Cache::~L1Cache() = default;

L1Cache::Shard& L1Cache::shard_for(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % shard_count_];
}

std::optional<CachedAnswer> L1Cache::get(LookupKind kind, std::string_view id,
                                         std::uint64_t generation, std::int64_t now_ns) {
    if (capacity_ == 0) return std::nullopt;
    const KeyBuf key(kind, id);
    Shard& s = shard_for(key.view());
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key.view());
    if (it == s.index.end()) return std::nullopt;
    auto entry = it->second;
    bool expired = false;
    if (entry->expires_ns != 0) {
        if (now_ns < 0)
            now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
        expired = now_ns >= entry->expires_ns;
    }
    if (entry->generation != generation || expired) {
        s.index.erase(it);
        s.lru.erase(entry);
        return std::nullopt;
    }
    s.lru.splice(s.lru.begin(), s.lru, entry);
    return entry->value;
}

void L1Cache::put(LookupKind kind, std::string_view id, std::uint64_t generation,
                  CachedAnswer value, std::int64_t expires_ns) {
    if (capacity_ == 0) return;
    const KeyBuf key(kind, id);
    Shard& s = shard_for(key.view());
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key.view());
    if (it != s.index.end()) {
        auto entry = it->second;
        // Never replace a newer generation's entry with an older fetch's result.
        if (entry->generation > generation) return;
        entry->generation = generation;
        entry->expires_ns = expires_ns;
        entry->value = std::move(value);
        s.lru.splice(s.lru.begin(), s.lru, entry);
        return;
    }
    if (s.lru.size() >= s.capacity) {
        s.index.erase(s.lru.back().key);
        s.lru.pop_back();
    }
    s.lru.push_front(
        Shard::Entry{std::string(key.view()), generation, expires_ns, std::move(value)});
    s.index.emplace(s.lru.front().key, s.lru.begin());
}

void L1Cache::clear() {
    for (std::size_t i = 0; i < shard_count_; ++i) {
        std::lock_guard lock(shards_[i].mu);
        shards_[i].index.clear();
        shards_[i].lru.clear();
    }
}

std::size_t L1Cache::size() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        std::lock_guard lock(shards_[i].mu);
        n += shards_[i].lru.size();
    }
    return n;
}

}  // namespace volley::resolver
