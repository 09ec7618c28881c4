// Embedded L2: a sharded in-process TTL map shared by the resolver instances of a group (the
// stand-in for Redis). Bounded: when a shard is full, expired entries are purged and then the
// oldest-inserted entries are dropped.
#pragma once

#include "resolver/seams.hpp"

#include <atomic>
#include <memory>

namespace volley::resolver {

class EmbeddedL2 final : public L2Cache {
public:
    explicit EmbeddedL2(std::size_t capacity = 1'000'000, std::size_t shards = 16);
    ~EmbeddedL2() override;

    std::optional<std::string> get(std::string_view key) override;
    void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
    [[nodiscard]] bool available() const override { return true; }
    [[nodiscard]] std::string_view kind() const override { return "embedded"; }

    [[nodiscard]] std::size_t size() const;
    void clear();

private:
    struct Shard;
    Shard& shard_for(std::string_view key);
    std::size_t shard_count_;
    std::size_t per_shard_;
    std::unique_ptr<Shard[]> shards_;
};

}  // namespace volley::resolver
