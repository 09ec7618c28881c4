// Fakes for the resolver's backend seams (resolver/seams.hpp). Each counts every call, so tests
// can prove what reached a backend, and can be told to fail (unavailable / timeout) or to be
// slow. CountingStore wraps an EmbeddedStore for the data; CountingL2 is a plain map.
#pragma once

#include "resolver/embedded/embedded_store.hpp"
#include "resolver/seams.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace volley::resolver::fakes {

enum class FailMode { none, unavailable, timeout };

inline void maybe_fail(const std::atomic<FailMode>& mode, const char* who) {
    switch (mode.load()) {
        case FailMode::none: return;
        case FailMode::unavailable:
            throw BackendError(BackendError::Kind::unavailable,
                               std::string(who) + ": injected outage");
        case FailMode::timeout:
            throw BackendError(BackendError::Kind::timeout,
                               std::string(who) + ": injected timeout");
    }
}

class CountingL2 final : public L2Cache {
public:
    std::optional<std::string> get(std::string_view key) override {
        gets.fetch_add(1);
        maybe_fail(fail, "fake L2");
        std::lock_guard lock(mu_);
        auto it = map_.find(std::string(key));
        if (it == map_.end()) return std::nullopt;
        return it->second;
    }
    void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override {
        sets.fetch_add(1);
        last_ttl_ms.store(ttl.count());
        maybe_fail(fail, "fake L2");
        std::lock_guard lock(mu_);
        map_[std::string(key)] = std::string(value);
    }
    [[nodiscard]] bool available() const override { return fail.load() == FailMode::none; }
    [[nodiscard]] std::string_view kind() const override { return "fake"; }
    std::size_t size() const {
        std::lock_guard lock(mu_);
        return map_.size();
    }
    void clear() {
        std::lock_guard lock(mu_);
        map_.clear();
    }
    [[nodiscard]] std::uint64_t calls() const { return gets.load() + sets.load(); }

    std::atomic<std::uint64_t> gets{0}, sets{0};
    std::atomic<std::int64_t> last_ttl_ms{0};
    std::atomic<FailMode> fail{FailMode::none};

private:
    mutable std::mutex mu_;
    std::map<std::string, std::string> map_;
};

// L3 + L4 over an EmbeddedStore, counting calls; `delay` is added to every L4 read (for
// coalescing tests: a sleep in a fake, never in the library).
class CountingStore final : public ViewStore, public LiveStore {
public:
    explicit CountingStore(std::shared_ptr<EmbeddedStore> inner) : inner_(std::move(inner)) {}

    AncestorsPtr view_ancestors(std::string_view id, Deadline d) override {
        view_reads.fetch_add(1);
        maybe_fail(view_fail, "fake L3");
        return inner_->view_ancestors(id, d);
    }
    std::optional<std::int64_t> view_descendant_count(std::string_view id, Deadline d) override {
        view_reads.fetch_add(1);
        maybe_fail(view_fail, "fake L3");
        return inner_->view_descendant_count(id, d);
    }
    std::uint64_t refresh_views(Deadline d) override {
        refreshes.fetch_add(1);
        maybe_fail(view_fail, "fake L3");
        return inner_->refresh_views(d);
    }
    [[nodiscard]] bool view_available() const override {
        return view_fail.load() == FailMode::none;
    }

    AncestorsPtr live_ancestors(std::string_view id, Deadline d) override {
        live_reads.fetch_add(1);
        slow();
        maybe_fail(live_fail, "fake L4");
        return inner_->live_ancestors(id, d);
    }
    std::optional<std::int64_t> live_descendant_count(std::string_view id, Deadline d) override {
        live_reads.fetch_add(1);
        slow();
        maybe_fail(live_fail, "fake L4");
        return inner_->live_descendant_count(id, d);
    }
    std::optional<ParentLink> parent_link(std::string_view id, Deadline d) override {
        parent_links.fetch_add(1);
        maybe_fail(live_fail, "fake L4");
        return inner_->parent_link(id, d);
    }
    WriteResult upsert(const EntityWrite& w, Deadline d) override {
        writes.fetch_add(1);
        maybe_fail(live_fail, "fake L4");
        return inner_->upsert(w, d);
    }
    std::uint64_t data_generation(Deadline d) override {
        maybe_fail(live_fail, "fake L4");
        return inner_->data_generation(d);
    }
    [[nodiscard]] bool live_available() const override {
        return live_fail.load() == FailMode::none;
    }

    [[nodiscard]] std::uint64_t calls() const {
        return view_reads.load() + live_reads.load() + refreshes.load() + writes.load() +
               parent_links.load();
    }

    std::atomic<std::uint64_t> view_reads{0}, live_reads{0}, refreshes{0}, writes{0};
    std::atomic<std::uint64_t> parent_links{0};  // naive walk steps (not counted in live_reads)
    std::atomic<FailMode> view_fail{FailMode::none}, live_fail{FailMode::none};
    std::atomic<std::int64_t> delay_ms{0};

private:
    void slow() const {
        if (auto ms = delay_ms.load(); ms > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    std::shared_ptr<EmbeddedStore> inner_;
};

}  // namespace volley::resolver::fakes
