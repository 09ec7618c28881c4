// Diagnostic formatting and ScenarioError (declared in plan.hpp).
#include "scenarios/language/plan.hpp"

#include <fmt/format.h>

namespace volley::scenarios {
namespace {

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& diagnostic : diagnostics) {
        if (!out.empty()) out += '\n';
        out += format_diagnostic(diagnostic);
    }
    return out.empty() ? std::string("invalid scenario") : out;
}

}  // namespace

std::string format_diagnostic(const Diagnostic& diagnostic) {
    std::string out = diagnostic.file.empty() ? std::string("<scenario>") : diagnostic.file;
    if (diagnostic.line > 0) out += fmt::format(":{}:{}", diagnostic.line, diagnostic.column);
    out += ": ";
    if (!diagnostic.key.empty()) out += diagnostic.key + ": ";
    out += diagnostic.message;
    return out;
}

ScenarioError::ScenarioError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace volley::scenarios
