#include "slo/slo_phases.hpp"

#include "engine/runner.hpp"
#include "pipeline/exit_codes.hpp"
#include "pipeline/run_pipeline.hpp"
#include "pipeline/target_factory.hpp"
#include "reports/summary_access.hpp"
#include "resolver/service/http_service.hpp"
#include "targets/resolver_target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace volley::slo {

namespace {

// Triggers group.refresh_views() once, from a thread of its own, at the first interval end at
// or after `at_s`; the phase keeps sending meanwhile.
class RefreshTrigger final : public engine::IntervalListener {
public:
    RefreshTrigger(resolver::ResolverGroup& group, double at_s) : group_(group), at_s_(at_s) {}
    ~RefreshTrigger() override {
        if (thread_.joinable()) thread_.join();
    }
    std::optional<std::string> on_interval(const engine::IntervalReport& report) override {
        const double t = std::chrono::duration<double>(report.end).count();
        if (!thread_.joinable() && t >= at_s_) {
            triggered_at_s_ = t;
            thread_ = std::thread([this] { result_ = group_.refresh_views(); });
        }
        return std::nullopt;
    }
    // Waits for the refresh; nullopt when it was never triggered.
    std::optional<resolver::RefreshResult> wait() {
        if (!thread_.joinable()) return std::nullopt;
        thread_.join();
        return result_;
    }
    [[nodiscard]] double triggered_at_s() const { return triggered_at_s_; }

private:
    resolver::ResolverGroup& group_;
    double at_s_;
    double triggered_at_s_ = 0;
    std::thread thread_;
    resolver::RefreshResult result_;
};

// Writes settings.writes_before_refresh new leaves (slo_<phase>_<k>) under parents spread over
// the working set (> 0: the planner sets it), before the phase's load: the refresh under load
// then has changes to take in, and the load does not measure a write burst (each write
// advances the generation, which empties every cache). Sets out.refresh_writes and, on the
// first failure, out.refresh_write_error.
void write_before_refresh(resolver::ResolverGroup& group, const SloPhaseSettings& settings,
                          const std::string& id_format, SloPhaseResult& out) {
    const std::size_t count = settings.writes_before_refresh;
    const std::size_t parents = std::max<std::size_t>(1, settings.working_set);
    const std::size_t stride = std::max<std::size_t>(1, parents / std::max<std::size_t>(1, count));
    for (std::size_t k = 0; k < count; ++k) {
        const resolver::EntityWrite w{fmt::format("slo_{}_{}", settings.name, k), "",
                                      format_id(id_format, (k * stride) % parents)};
        const auto result = group.upsert_entity(w);
        if (result.ok()) {
            ++out.refresh_writes;
        } else if (out.refresh_write_error.empty()) {
            out.refresh_write_error =
                fmt::format("{} under {}: {}", w.entity_id, w.parent_id, result.error);
        }
    }
}

// Samples the PostgreSQL pool every 5 ms while a phase runs, and reads its lease counters at
// the start and the end (Little's law figures, exact where the samples may miss a peak).
class PoolSampler {
public:
    explicit PoolSampler(const resolver::ResolverGroup& group) : group_(group) {
        const auto first = stats();
        if (!first) return;
        first_ = *first;
        started_ = std::chrono::steady_clock::now();
        thread_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            while (!stop_) {
                if (const auto now = stats()) {
                    size_ = now->size;
                    max_in_use_ = std::max(max_in_use_, now->in_use);
                    sum_util_ += now->utilization();
                    ++samples_;
                }
                cv_.wait_for(lock, std::chrono::milliseconds(5));
            }
        });
    }
    ~PoolSampler() { stop(); }
    void stop() {
        {
            std::lock_guard lock(mutex_);
            if (stop_) return;
            stop_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
        if (const auto last = stats()) {
            last_ = *last;
            window_s_ =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        }
    }
    // Call after stop(). nullopt: the backend has no pool, or no sample was taken.
    [[nodiscard]] std::optional<PoolUsage> usage() const {
        if (samples_ == 0 || size_ == 0 || window_s_ <= 0) return std::nullopt;
        PoolUsage u{size_, max_in_use_,
                    100.0 * static_cast<double>(max_in_use_) / static_cast<double>(size_),
                    100.0 * sum_util_ / static_cast<double>(samples_), samples_};
        const auto leases = static_cast<double>(last_.leases - first_.leases);
        const auto leased_s = static_cast<double>(last_.leased_ns - first_.leased_ns) / 1e9;
        u.leases_per_s = leases / window_s_;
        u.mean_lease_ms = leases > 0 ? 1000.0 * leased_s / leases : 0.0;
        u.mean_in_use = leased_s / window_s_;
        return u;
    }

private:
    [[nodiscard]] std::optional<resolver::PoolStats> stats() const {
        return group_.backends().live ? group_.backends().live->pool_stats() : std::nullopt;
    }

    const resolver::ResolverGroup& group_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
    std::size_t size_ = 0, max_in_use_ = 0;
    double sum_util_ = 0;
    std::uint64_t samples_ = 0;
    resolver::PoolStats first_, last_;
    std::chrono::steady_clock::time_point started_;
    double window_s_ = 0;
};

// The in-process target of cold, warm and mixed: the resolver target over the shared group.
pipeline::BuiltTarget resolver_target(const scenarios::Plan& plan,
                                      const std::shared_ptr<resolver::ResolverGroup>& group,
                                      const resolver::ResolverConfig& config, SloPhaseResult& out) {
    const std::size_t lookup_threads =
        pipeline::resolver_lookup_threads(config, plan.run.connections);
    out.transport = fmt::format(
        "in process through the resolver target; resolver lookups on {} pool threads (0: on the "
        "engine threads)",
        lookup_threads);
    out.url = "resolver: " + group->describe();
    return {std::make_unique<targets::ResolverTarget>(group, lookup_threads), "resolver", out.url,
            nullptr};
}

// One phase: `plan` through execute_plan on `target`, which sends to the shared group. Returns
// the exit code, 0 for 99: the phase's own threshold verdict is in its summary.json, the SLO
// verdict comes from the measurements.
int run_phase(const scenarios::Plan& plan, const pipeline::BuiltTarget& target,
              const std::shared_ptr<resolver::ResolverGroup>& group, bool quiet,
              std::vector<engine::IntervalListener*> listeners, SloPhaseResult& out) {
    std::optional<PoolSampler> sampler;
    pipeline::PlanRunExtras extras;
    extras.listeners = std::move(listeners);
    extras.before_load = [&] {
        out.before = group->metrics();
        sampler.emplace(*group);
    };
    extras.after_load = [&] {
        sampler->stop();
        out.after = group->metrics();
    };
    extras.progress_line = false;  // volley slo prints the phases' console summaries only
    auto outcome =
        pipeline::execute_plan(plan, target, pipeline::ReportOptions{{}, quiet, false}, extras);
    if (sampler) {
        sampler->stop();  // after_load is skipped when the engine threw
        out.pool = sampler->usage();
    }
    out.summary = std::move(outcome.summary);
    if (const auto* threads = reports::value_at(out.summary, "generator.threads"))
        out.engine_threads = threads->to_number<std::size_t>();
    return outcome.exit_code == pipeline::kExitThresholdFailed ? pipeline::kExitPass
                                                               : outcome.exit_code;
}

// A phase with a view refresh triggered at settings.refresh_at_s (when set) under its load.
int run_refreshing_phase(const scenarios::Plan& plan, const SloPhaseSettings& settings,
                         const std::string& id_format, const pipeline::BuiltTarget& target,
                         const std::shared_ptr<resolver::ResolverGroup>& group, bool quiet,
                         SloPhaseResult& out) {
    std::optional<RefreshTrigger> trigger;
    std::vector<engine::IntervalListener*> listeners;
    if (const auto at_s = settings.refresh_at_s) {
        write_before_refresh(*group, settings, id_format, out);
        listeners.push_back(&trigger.emplace(*group, *at_s));
    }
    const int code = run_phase(plan, target, group, quiet, std::move(listeners), out);
    if (trigger) {
        out.refresh = trigger->wait();
        out.refresh_triggered_s = trigger->triggered_at_s();
    }
    return code;
}

// The http phase's target: the HTTP target of `plan` (its base_url a placeholder until now),
// sending to the resolver service listening on 127.0.0.1:`port`.
pipeline::BuiltTarget http_target(const scenarios::Plan& plan, const SloHttpSettings& settings,
                                  unsigned short port, SloPhaseResult& out) {
    scenarios::Plan sent = plan;  // the shared plan stays as planned
    auto& spec = std::get<scenarios::HttpTargetSpec>(sent.target);
    spec.base_url = fmt::format("http://127.0.0.1:{}", port);
    out.transport = fmt::format(
        "over HTTP/1.1 to the resolver service in process on {}: each vu on one keep-alive "
        "connection ({} connections); {} service thread{} (I/O, L1 and L2) and {} lookup "
        "threads (L3, L4)",
        spec.base_url, settings.phase.vus, settings.service_threads,
        settings.service_threads == 1 ? "" : "s", resolver::ServiceOptions{}.lookup_threads);
    auto target = pipeline::make_target(sent);
    out.url = target.url;
    return target;
}

}  // namespace

SloPhasesResult run_slo_phases(const SloSetup& setup,
                               const std::shared_ptr<resolver::ResolverGroup>& group, bool quiet) {
    SloPhasesResult out;
    try {
        // cold: empty L1 on every instance; L2 is a fresh key namespace for this execution.
        for (std::size_t i = 0; i < group->size(); ++i) group->instance(i).clear_l1();
        if (!quiet) std::cout << "\n== phase cold ==\n";
        out.exit_code =
            run_phase(setup.cold, resolver_target(setup.cold, group, setup.resolver, out.cold),
                      group, quiet, {}, out.cold);
        if (out.exit_code != pipeline::kExitPass) return out;

        // warm: the working set loaded into every instance's L1 first.
        for (std::size_t i = 0; i < group->size(); ++i) {
            for (std::size_t k = 0; k < setup.settings.warm.working_set; ++k) {
                const auto id = format_id(setup.settings.id_format, k);
                (void)group->instance(i).ancestors(id);
                (void)group->instance(i).descendant_count(id);
            }
        }
        if (!quiet) std::cout << "\n== phase warm ==\n";
        out.exit_code =
            run_phase(setup.warm, resolver_target(setup.warm, group, setup.resolver, out.warm),
                      group, quiet, {}, out.warm);
        if (out.exit_code != pipeline::kExitPass) return out;

        if (!quiet) std::cout << "\n== phase mixed ==\n";
        out.exit_code =
            run_refreshing_phase(setup.mixed, setup.settings.mixed, setup.settings.id_format,
                                 resolver_target(setup.mixed, group, setup.resolver, out.mixed),
                                 group, quiet, out.mixed);
        if (out.exit_code != pipeline::kExitPass || !setup.http) return out;

        if (!quiet) std::cout << "\n== phase http ==\n";
        resolver::HttpService service(
            *group, resolver::ServiceOptions{"127.0.0.1", 0, setup.settings.http.service_threads});
        service.start();
        auto& http = out.http.emplace();
        out.exit_code = run_refreshing_phase(
            *setup.http, setup.settings.http.phase, setup.settings.id_format,
            http_target(*setup.http, setup.settings.http, service.port(), http), group, quiet,
            http);
        service.stop();
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        out.exit_code = pipeline::kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "error: the run could not be carried out: " << e.what() << "\n";
        out.exit_code = pipeline::kExitCannotRun;
    }
    return out;
}

}  // namespace volley::slo
