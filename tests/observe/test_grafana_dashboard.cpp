// deploy/grafana/volley.json: every panel query names only metrics volley exports (the names
// are read from the exporter's own output, not from a list kept here), and every family volley
// exports is on the dashboard.
#include "observe/metrics_exporter.hpp"
#include "observe/prom_text.hpp"

#include "support/process.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <regex>
#include <set>

namespace json = boost::json;

namespace {

// Every sample name and family name the exporter writes after one interval.
std::set<std::string> exported_names(std::set<std::string>& families) {
    volley::observe::MetricsExporter exporter({"a"}, {}, [] { return 1u; });
    volley::engine::IntervalStats stats(1);
    stats.per_request[0].response_time.record(1000);
    const volley::engine::IntervalReport report{
        0, std::chrono::seconds(0), std::chrono::seconds(1), stats, 1, 0.1, false};
    exporter.on_interval(report);
    std::set<std::string> names;
    for (const auto& family : volley::observe::prom::parse_text(exporter.render()).families) {
        families.insert(family.name);
        for (const auto& sample : family.samples) names.insert(sample.name);
    }
    return names;
}

// Each panel's targets' expr, rows' nested panels included.
void collect_exprs(const json::array& panels,
                   std::vector<std::pair<std::string, std::string>>& out) {
    for (const auto& panel_value : panels) {
        const auto& panel = panel_value.as_object();
        const std::string title =
            panel.contains("title") ? std::string(panel.at("title").as_string()) : "";
        if (const auto* nested = panel.if_contains("panels"))
            collect_exprs(nested->as_array(), out);
        if (panel.at("type").as_string() == "row") continue;
        const auto* targets = panel.if_contains("targets");
        INFO("panel " << title);
        REQUIRE(targets != nullptr);
        REQUIRE_FALSE(targets->as_array().empty());
        for (const auto& target : targets->as_array())
            out.emplace_back(title, std::string(target.as_object().at("expr").as_string()));
    }
}

}  // namespace

TEST_CASE("grafana dashboard: every query names metrics volley exports, and all of them") {
    const auto text = volley::testing::read_file(VOLLEY_SOURCE_DIR "/deploy/grafana/volley.json");
    REQUIRE_FALSE(text.empty());
    const auto dashboard = json::parse(text).as_object();
    std::vector<std::pair<std::string, std::string>> exprs;
    collect_exprs(dashboard.at("panels").as_array(), exprs);
    REQUIRE(exprs.size() >= 8);

    std::set<std::string> families;
    const auto names = exported_names(families);
    std::set<std::string> used_families;
    const std::regex metric(R"(\bvolley[a-zA-Z0-9_:]*)");
    for (const auto& [title, expr] : exprs) {
        INFO("panel \"" << title << "\": " << expr);
        std::size_t found = 0;
        for (auto it = std::sregex_iterator(expr.begin(), expr.end(), metric);
             it != std::sregex_iterator(); ++it) {
            const std::string name = it->str();
            CHECK(names.count(name) == 1);
            ++found;
            for (const auto& family : families)
                if (name == family || name.starts_with(family + "_")) used_families.insert(family);
        }
        CHECK(found > 0);
    }
    CHECK(used_families == families);
}
