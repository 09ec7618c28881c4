#include "apps/report_commands.hpp"

#include "apps/cli_checks.hpp"
#include "apps/run_command.hpp"
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
}

}  // namespace volley::apps
