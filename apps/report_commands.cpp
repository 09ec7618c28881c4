#include "apps/report_commands.hpp"

#include "apps/cli_checks.hpp"
#include "apps/run_command.hpp"
#include "reports/compare.hpp"
#include "reports/console.hpp"
#include "reports/run_outputs.hpp"
#include "reports/run_summary.hpp"

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
        check_formats("--format", o.formats, reports::kRerenderFormats);
        const auto summary = reports::read_run_summary(o.dir);
        const auto files = reports::write_reports(o.dir, summary, o.formats);
        std::cout << reports::render_console(summary, o.latency);
        for (const auto& f : files) std::cout << "  wrote " << f.string() << "\n";
        return kExitPass;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
}

int compare_command(const CompareOptions& o) {
    try {
        const double limit = parse_percent_flag("--max-regression", o.max_regression);
        const auto result = reports::compare_runs(reports::read_summary(o.base),
                                                  reports::read_summary(o.fresh), limit);
        std::cout << (o.markdown ? reports::render_compare_markdown(result)
                                 : reports::render_compare_console(result));
        return result.regressed() ? kExitThresholdFailed : kExitPass;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
}

}  // namespace

void add_report_commands(CLI::App& app, int& exit_code) {
    auto report_options = std::make_shared<ReportOptions>();
    auto* report =
        app.add_subcommand("report", "Re-render the reports of a saved run from its summary.json");
    report->add_option("dir", report_options->dir, "Run directory (holds summary.json)")
        ->required();
    report
        ->add_option(
            "--format", report_options->formats,
            "Formats: md,html,junit,csv,hgrm (default all; hgrm when latency.hlog is there)")
        ->delimiter(',');
    report->add_flag("--latency", report_options->latency,
                     "Print the full latency percentile spectrum");
    report->callback([report_options, &exit_code] { exit_code = report_command(*report_options); });

    auto compare_options = std::make_shared<CompareOptions>();
    auto* compare = app.add_subcommand("compare", "Compare two saved runs; exit 99 on regression");
    compare->add_option("base", compare_options->base, "Baseline run directory")->required();
    compare->add_option("new", compare_options->fresh, "New run directory")->required();
    compare->add_option("--max-regression", compare_options->max_regression,
                        "Allowed worsening, a percentage such as 10% (the default)");
    compare->add_flag("--markdown", compare_options->markdown,
                      "Print Markdown instead of the console table");
    compare->callback(
        [compare_options, &exit_code] { exit_code = compare_command(*compare_options); });
}

}  // namespace volley::apps
