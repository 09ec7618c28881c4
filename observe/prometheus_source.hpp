// The `prometheus:` source of `observe:` (docs/observe-sources.md "prometheus"): scrapes a
// Prometheus text endpoint (the resolver's /metrics, any exporter) once per interval with an
// HTTP GET and turns each metric family into series:
//   counter          -> prom.NAME          rate (1/s): the increase summed over label sets
//   gauge, untyped   -> prom.NAME          gauge: the value summed over label sets
//   histogram        -> prom.NAME.p50/.p90/.p99  peak: histogram_quantile over the interval's
//                       bucket increases summed over label sets (no observations: no point)
//   summary          -> prom.NAME.rate     rate of _count; prom.NAME.mean  ratio Δ_sum / Δ_count
//                       (its quantiles cannot be merged across label sets or intervals: a note)
// A counter (or bucket, _sum, _count) lower than at the previous scrape was reset: its new
// value is the increase. A label set absent from the previous scrape counts from 0.
#pragma once

#include "observe/observe_spec.hpp"
#include "observe/source.hpp"

#include <chrono>
#include <memory>

namespace volley::observe {

// The source named "prometheus URL". Nothing is connected here; every sample() connects, sends
// GET and reads the answer within `timeout` (one deadline for the resolve, connect, write and
// read; a numeric host is not resolved). A refused connection, a timeout, a status other than
// 200 or a body that is not Prometheus text fails the sample with a SourceError naming the URL
// ("prometheus http://…/metrics is not Prometheus text: line 1: …"). Throws
// std::invalid_argument for a URL that is not http://host[:port][/path].
std::unique_ptr<ObserveSource> make_prometheus_source(const PrometheusSourceSpec& spec,
                                                      std::chrono::milliseconds timeout);

}  // namespace volley::observe
