#include "observe/prometheus_source.hpp"

#include "observe/prom_text.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace volley::observe {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using prom::MetricFamily;
using prom::MetricType;
using reports::ObservedKind;
using reports::ObservedValue;

constexpr std::uint64_t kBodyLimitBytes = 16u << 20;  // a scrape larger than this is refused
constexpr std::array<std::pair<double, std::string_view>, 3> kQuantiles = {
    {{0.5, "p50"}, {0.9, "p90"}, {0.99, "p99"}}};

struct ScrapeTarget {
    std::string url;
    std::string host;
    std::uint16_t port = 80;
    std::string target;  // path and query
};

ScrapeTarget parse_scrape_url(const std::string& url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        throw std::invalid_argument(
            fmt::format("prometheus: \"{}\" is not a URL ({})", url, parsed.error().message()));
    if (parsed->scheme() != "http")
        throw std::invalid_argument(
            fmt::format("prometheus: \"{}\": only http:// endpoints can be scraped", url));
    ScrapeTarget target{url, std::string(parsed->host_address()), 80, "/"};
    if (target.host.empty())
        throw std::invalid_argument(fmt::format("prometheus: \"{}\" has no host", url));
    if (parsed->has_port()) {
        if (parsed->port_number() == 0)
            throw std::invalid_argument(fmt::format("prometheus: \"{}\": bad port", url));
        target.port = parsed->port_number();
    }
    if (!parsed->encoded_path().empty()) target.target = std::string(parsed->encoded_path());
    if (parsed->has_query()) target.target += "?" + std::string(parsed->encoded_query());
    return target;
}

// One GET within `timeout`, on an io_context of its own: returns the 200 answer's body.
std::string http_get(const ScrapeTarget& where, std::chrono::milliseconds timeout) {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    beast::flat_buffer buffer;
    http::request<http::empty_body> request{http::verb::get, where.target, 11};
    request.set(http::field::host, fmt::format("{}:{}", where.host, where.port));
    request.set(http::field::user_agent, "volley-observe");
    request.set(http::field::accept, "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    http::response_parser<http::string_body> parser;
    parser.body_limit(kBodyLimitBytes);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string failure;  // the step that failed and why
    bool done = false;

    const auto fail = [&](std::string_view step, const beast::error_code& ec) {
        failure = ec == beast::error::timeout
                      ? fmt::format("no answer within {} ms ({})", timeout.count(), step)
                      : fmt::format("{}: {}", step, ec.message());
    };
    const auto on_read = [&](beast::error_code ec, std::size_t) {
        if (ec) return fail("read", ec);
        done = true;
    };
    const auto on_write = [&](beast::error_code ec, std::size_t) {
        if (ec) return fail("write", ec);
        stream.expires_at(deadline);
        http::async_read(stream, buffer, parser, on_read);
    };
    const auto on_connect = [&](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return fail("connect", ec);
        stream.expires_at(deadline);
        http::async_write(stream, request, on_write);
    };
    const auto connect = [&](const tcp::resolver::results_type& endpoints) {
        stream.expires_at(deadline);
        stream.async_connect(endpoints, on_connect);
    };

    beast::error_code numeric_error;
    const auto address = asio::ip::make_address(where.host, numeric_error);
    if (!numeric_error) {
        connect(tcp::resolver::results_type::create(tcp::endpoint(address, where.port), where.host,
                                                    std::to_string(where.port)));
    } else {
        resolver.async_resolve(
            where.host, std::to_string(where.port),
            [&](beast::error_code ec, const tcp::resolver::results_type& results) {
                if (ec) return fail("resolve " + where.host, ec);
                connect(results);
            });
    }
    // The stream's deadline bounds connect, write and read; run_for also bounds the resolve.
    io.run_for(timeout + std::chrono::milliseconds(50));
    if (!done && failure.empty()) {
        failure = fmt::format("no answer within {} ms", timeout.count());
        resolver.cancel();
        beast::error_code ignored;
        stream.socket().close(ignored);
        io.restart();
        io.run();
    }
    if (!failure.empty()) throw SourceError(fmt::format("prometheus {}: {}", where.url, failure));
    const auto& response = parser.get();
    if (response.result_int() != 200)
        throw SourceError(fmt::format("prometheus {} answered HTTP {} {}", where.url,
                                      response.result_int(), std::string(response.reason())));
    return std::move(parser.release().body());
}

// "x_seconds" -> "seconds": the unit a name says by Prometheus's naming conventions.
std::string unit_of(std::string_view name) {
    if (name.ends_with("_total")) name.remove_suffix(6);
    if (name.ends_with("_seconds")) return "seconds";
    if (name.ends_with("_bytes")) return "bytes";
    if (name.ends_with("_ratio")) return "ratio";
    return "";
}

// The labels as one map key, `le` left out when asked (a histogram's label set).
std::string label_key(const prom::Labels& labels, bool without_le = false) {
    prom::Labels sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    std::string key;
    for (const auto& [name, value] : sorted) {
        if (without_le && name == "le") continue;
        key += name;
        key += '=';
        key += prom::escape_label_value(value);
        key += ',';
    }
    return key;
}

class PrometheusSource final : public ObserveSource {
public:
    PrometheusSource(const PrometheusSourceSpec& spec, std::chrono::milliseconds timeout)
        : where_(parse_scrape_url(spec.url)), metrics_(spec.metrics), timeout_(timeout) {}

    [[nodiscard]] std::string name() const override { return "prometheus " + where_.url; }

    SourceSample sample(const SampleContext& context) override {
        const bool baseline = !has_baseline_;
        has_baseline_ = false;  // until this sample succeeds
        const std::string body = http_get(where_, timeout_);
        prom::Exposition exposition;
        try {
            exposition = prom::parse_text(body);
        } catch (const prom::PromTextError& e) {
            throw SourceError(
                fmt::format("prometheus {} is not Prometheus text: {}", where_.url, e.what()));
        }
        SourceSample out;
        next_.clear();
        for (const MetricFamily* family : selected(exposition, out.notes))
            add_family(*family, baseline, context.interval_s, out);
        previous_.swap(next_);
        has_baseline_ = true;
        return out;
    }

private:
    std::vector<const MetricFamily*> selected(const prom::Exposition& exposition,
                                              std::vector<std::string>& notes) {
        std::vector<const MetricFamily*> families;
        if (metrics_.empty()) {
            for (const auto& family : exposition.families) families.push_back(&family);
            return families;
        }
        for (const auto& name : metrics_) {
            if (const auto* family = exposition.find(name)) {
                families.push_back(family);
            } else if (noted_.insert("absent " + name).second) {
                notes.push_back(fmt::format("prometheus {}: no metric family {} in the scrape",
                                            where_.url, name));
            }
        }
        return families;
    }

    // A cumulative sample's increase since the previous scrape (remembered for the next one): a
    // lower value means the counter was reset, so the new value is the increase; a label set the
    // previous scrape did not have counts from 0.
    double increase(const prom::Sample& sample, const std::string& key) {
        const std::string full = sample.name + '{' + key + '}';
        next_[full] = sample.value;
        const auto it = previous_.find(full);
        if (it == previous_.end() || sample.value < it->second) return sample.value;
        return sample.value - it->second;
    }

    void add_family(const MetricFamily& family, bool baseline, double interval_s,
                    SourceSample& out) {
        const std::string series = "prom." + family.name;
        switch (family.type) {
            case MetricType::gauge:
            case MetricType::untyped: {
                double sum = 0;
                bool any = false;
                for (const auto& sample : family.samples) {
                    if (sample.name != family.name || std::isnan(sample.value)) continue;
                    sum += sample.value;
                    any = true;
                }
                if (any)
                    out.values.push_back(
                        ObservedValue{series, ObservedKind::gauge, unit_of(family.name), {sum, 0}});
                return;
            }
            case MetricType::counter: {
                double sum = 0;
                for (const auto& sample : family.samples)
                    if (sample.name == family.name)
                        sum += increase(sample, label_key(sample.labels));
                if (!baseline)
                    out.values.push_back(
                        ObservedValue{series, ObservedKind::rate, "1/s", {sum, interval_s}});
                return;
            }
            case MetricType::histogram: return add_histogram(family, baseline, out);
            case MetricType::summary: return add_summary(family, baseline, interval_s, out);
        }
    }

    void add_histogram(const MetricFamily& family, bool baseline, SourceSample& out) {
        // The interval's increase of each bucket, summed over label sets (sum by (le)).
        std::map<double, double> by_bound;
        const std::string bucket_name = family.name + "_bucket";
        for (const auto& sample : family.samples) {
            if (sample.name != bucket_name) continue;
            const double le =
                prom::parse_value(*sample.label("le")).value_or(0);  // checked by parse
            const double delta = increase(sample, label_key(sample.labels));
            by_bound[le] += delta;
        }
        if (baseline) return;
        std::vector<prom::Bucket> buckets;
        buckets.reserve(by_bound.size());
        for (const auto& [bound, count] : by_bound) buckets.push_back({bound, count});
        for (const auto& [q, suffix] : kQuantiles) {
            const auto value = prom::histogram_quantile(q, buckets);
            if (!value) continue;  // no observations in the interval (or no +Inf bucket)
            out.values.push_back(ObservedValue{fmt::format("prom.{}.{}", family.name, suffix),
                                               ObservedKind::peak,
                                               unit_of(family.name),
                                               {*value, 0}});
        }
    }

    void add_summary(const MetricFamily& family, bool baseline, double interval_s,
                     SourceSample& out) {
        double count = 0, sum = 0;
        for (const auto& sample : family.samples) {
            if (sample.name == family.name + "_count")
                count += increase(sample, label_key(sample.labels));
            else if (sample.name == family.name + "_sum")
                sum += increase(sample, label_key(sample.labels));
        }
        if (noted_.insert("summary " + family.name).second)
            out.notes.push_back(fmt::format(
                "prometheus {}: {} is a summary: its quantiles cannot be merged across label sets "
                "or intervals; prom.{}.rate and prom.{}.mean come from its _count and _sum",
                where_.url, family.name, family.name, family.name));
        if (baseline) return;
        out.values.push_back(ObservedValue{
            "prom." + family.name + ".rate", ObservedKind::rate, "1/s", {count, interval_s}});
        out.values.push_back(ObservedValue{"prom." + family.name + ".mean",
                                           ObservedKind::ratio,
                                           unit_of(family.name),
                                           {sum, count}});
    }

    ScrapeTarget where_;
    std::vector<std::string> metrics_;
    std::chrono::milliseconds timeout_;
    bool has_baseline_ = false;
    // Cumulative samples by sample name and label set: of the last good scrape, of this one.
    std::map<std::string, double> previous_, next_;
    std::set<std::string> noted_;  // notes already given
};

}  // namespace

std::unique_ptr<ObserveSource> make_prometheus_source(const PrometheusSourceSpec& spec,
                                                      std::chrono::milliseconds timeout) {
    return std::make_unique<PrometheusSource>(spec, timeout);
}

}  // namespace volley::observe
