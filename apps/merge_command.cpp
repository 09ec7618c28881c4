#include "apps/merge_command.hpp"

#include "apps/cli_checks.hpp"
#include "apps/run_command.hpp"
#include "pipeline/merge_runs.hpp"
#include "reports/run_outputs.hpp"

#include <iostream>
#include <memory>

namespace volley::apps {
namespace {

struct MergeFlags {
    std::vector<std::string> inputs;
    std::optional<std::string> out;
    std::vector<std::string> formats;
    std::optional<std::string> store;
    bool quiet = false;
    bool latency_spectrum = false;
};

int merge_command(const MergeFlags& flags) {
    pipeline::MergeOptions options;
    for (const auto& input : flags.inputs) options.inputs.emplace_back(input);
    try {
        check_formats("--format", flags.formats, reports::kAllFormats);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
    if (flags.out) {
        options.out = *flags.out;
    } else if (options.inputs.size() == 1) {
        options.out =
            options.inputs.front() / "merged";  // volley run --segments N --local's layout
    } else {
        std::cerr << "error: -o/--out: where should the merged run go? (with one parent "
                     "directory it defaults to DIR/merged)\n";
        return kExitUsage;
    }
    options.report = pipeline::ReportOptions{reports::formats_to_write(flags.formats), flags.quiet,
                                             flags.latency_spectrum};
    options.store = flags.store.value_or("");
    return pipeline::merge_runs(options);
}

}  // namespace

void add_merge_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<MergeFlags>();
    auto* merge = app.add_subcommand(
        "merge",
        "Merge the segments of a distributed run into one run (exact: histograms are added), "
        "judged like a single run");
    merge
        ->add_option("dirs", flags->inputs,
                     "Segment directories (with segment.json), or a directory of segment-* ones")
        ->required();
    merge->add_option("-o,--out", flags->out,
                      "The merged run's directory (default: DIR/merged for one parent DIR)");
    merge
        ->add_option("--format", flags->formats,
                     "Output formats: json,hlog,md,html,junit,csv,hgrm (default all)")
        ->delimiter(',');
    merge->add_option("--store", flags->store,
                      "Also add the merged run to this history store (postgresql://…)");
    merge->add_flag("-q,--quiet", flags->quiet, "No console summary");
    merge->add_flag("--latency", flags->latency_spectrum,
                    "Print the full latency percentile spectrum");
    merge->callback([flags, &exit_code] { exit_code = merge_command(*flags); });
}

}  // namespace volley::apps
