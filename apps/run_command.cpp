#include "apps/run_command.hpp"

#include "apps/run_pipeline.hpp"
#include "scenarios/loader.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <fmt/format.h>

#include <iostream>

namespace volley::apps {
namespace json = boost::json;

namespace {

// `volley run -u URL …` without a file: the flags become a scenario, so that one loader
// validates both and the run is described the same way in the report.
std::string scenario_from_flags(const RunOptions& o) {
    const auto parsed = boost::urls::parse_uri(*o.url);
    if (!parsed) throw std::invalid_argument(fmt::format("-u/--url: invalid URL '{}': {}", *o.url, parsed.error().message()));
    std::string base = fmt::format("{}://{}", std::string(parsed->scheme()), std::string(parsed->encoded_authority()));
    std::string path = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
    if (parsed->has_query()) path = fmt::format("{}?{}", path, std::string(parsed->encoded_query()));
    json::object request{{"name", "default"}, {"method", o.method.value_or("GET")}, {"path", path}};
    if (!o.headers.empty()) {
        json::object headers;
        for (const auto& h : o.headers) {
            const auto colon = h.find(':');
            if (colon == std::string::npos) throw std::invalid_argument(fmt::format("-H/--header '{}': expected 'Name: value'", h));
            std::string value = h.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            headers[h.substr(0, colon)] = value;
        }
        request["headers"] = std::move(headers);
    }
    if (o.body) request["body"] = *o.body;
    json::object load;
    if (o.vus) {
        load["vus"] = *o.vus;
    } else {
        load["rate"] = o.rate.value_or("100/s");
    }
    load["duration"] = o.duration.value_or("10s");
    json::object http{{"base_url", base}};
    const std::string host(parsed->host());
    json::object scenario{{"name", host.empty() ? std::string("volley") : host},
                          {"target", json::object{{"http", std::move(http)}}},
                          {"load", std::move(load)},
                          {"requests", json::array{std::move(request)}}};
    return json::serialize(scenario);  // JSON is YAML
}

// Flags given with a scenario file override its keys, as --set does.
std::vector<std::string> overrides_from_flags(const RunOptions& o, bool with_file) {
    std::vector<std::string> sets;
    if (with_file) {
        if (o.url) sets.push_back("target.http.base_url=" + *o.url);
        if (o.rate) sets.push_back("load.rate=" + *o.rate);
        if (o.duration) sets.push_back("load.duration=" + *o.duration);
        if (o.vus) sets.push_back(fmt::format("load.vus={}", *o.vus));
    }
    if (o.connections) sets.push_back(fmt::format("target.http.connections={}", *o.connections));
    if (o.threads) sets.push_back(fmt::format("load.threads={}", *o.threads));
    if (o.warmup) sets.push_back("load.warmup=" + *o.warmup);
    if (o.out_dir) sets.push_back("output.dir=" + *o.out_dir);
    sets.insert(sets.end(), o.sets.begin(), o.sets.end());
    return sets;
}

}  // namespace

int run_command(const RunOptions& options) {
    scenarios::Plan plan;
    try {
        const bool with_file = options.scenario_file.has_value();
        if (!with_file && !options.url) {
            std::cerr << "error: volley run needs a scenario file or -u URL (see volley run --help)\n";
            return kExitUsage;
        }
        const auto sets = overrides_from_flags(options, with_file);
        plan = with_file ? scenarios::load_plan(*options.scenario_file, sets)
                         : scenarios::load_plan_from_string(scenario_from_flags(options), "command line", sets);
    } catch (const scenarios::ScenarioError& e) {
        return report_scenario_error(e);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }

    return execute_plan(std::move(plan), ReportOptions{options.formats, options.quiet, options.latency_spectrum});
}

}  // namespace volley::apps
