#include "apps/report_commands.hpp"

#include "apps/run_command.hpp"
#include "reports/compare.hpp"
#include "reports/console.hpp"
#include "reports/run_outputs.hpp"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace volley::apps {

namespace {

struct ReportOptions {
    std::string dir;
    std::vector<std::string> formats;
    bool latency = false;
};

struct CompareOptions {
    std::string base, fresh;
    std::string max_regression = "10%";
    bool markdown = false;
};

int report_command(const ReportOptions& o) {
    try {
        const auto summary = reports::read_summary(o.dir);
        const auto files = reports::write_reports(o.dir, summary, o.formats, false);
        std::cout << reports::render_console(summary, o.latency);
        for (const auto& f : files) std::cout << "  wrote " << f.string() << "\n";
        return kExitPass;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
}

// "10%" or "0.1" -> 0.10.
double parse_fraction(const std::string& text) {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    const std::string rest = text.substr(used);
    if (rest == "%") return value / 100.0;
    if (rest.empty()) return value;
    throw std::invalid_argument(fmt::format("--max-regression '{}': expected a percentage like 10%", text));
}

int compare_command(const CompareOptions& o) {
    try {
        const double limit = parse_fraction(o.max_regression);
        if (limit < 0) throw std::invalid_argument("--max-regression must not be negative");
        const auto result = reports::compare_runs(reports::read_summary(o.base), reports::read_summary(o.fresh), limit);
        std::cout << (o.markdown ? reports::render_compare_markdown(result) : reports::render_compare_console(result));
        return result.regressed() ? kExitThresholdFailed : kExitPass;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
}

}  // namespace

void add_report_commands(CLI::App& app, int& exit_code) {
    auto report_options = std::make_shared<ReportOptions>();
    auto* report = app.add_subcommand("report", "Re-render the reports of a saved run from its summary.json");
    report->add_option("dir", report_options->dir, "Run directory (holds summary.json)")->required();
    report->add_option("--format", report_options->formats, "Formats: md,html,junit,csv (default all)")->delimiter(',');
    report->add_flag("--latency", report_options->latency, "Print the full latency percentile spectrum");
    report->callback([report_options, &exit_code] { exit_code = report_command(*report_options); });

    auto compare_options = std::make_shared<CompareOptions>();
    auto* compare = app.add_subcommand("compare", "Compare two saved runs; exit 99 on regression");
    compare->add_option("base", compare_options->base, "Baseline run directory")->required();
    compare->add_option("new", compare_options->fresh, "New run directory")->required();
    compare->add_option("--max-regression", compare_options->max_regression, "Allowed worsening (default 10%)");
    compare->add_flag("--markdown", compare_options->markdown, "Print Markdown instead of the console table");
    compare->callback([compare_options, &exit_code] { exit_code = compare_command(*compare_options); });
}

}  // namespace volley::apps
