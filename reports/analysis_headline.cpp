// summary.json `analysis.headline` (reports/analysis.hpp analysis_headline).
#include "reports/analysis.hpp"

#include "reports/number_format.hpp"

#include <boost/json/array.hpp>

#include <fmt/format.h>

namespace volley::reports {
namespace json = boost::json;

namespace {

std::optional<double> number_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}
std::string string_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}
const json::array* array_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr ? v->if_array() : nullptr;
}
json::value number_or_null(std::optional<double> v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::object item(const char* key, const char* label, std::optional<double> value, const char* unit,
                  std::string text) {
    return json::object{{"key", key},
                        {"label", label},
                        {"value", number_or_null(value)},
                        {"unit", unit},
                        {"text", std::move(text)}};
}

void stress_items(const json::object& analysis, json::array& out) {
    const auto capacity = number_of(analysis, "capacity_rps");
    const auto breaking = number_of(analysis, "breaking_point_rps");
    const auto planned = number_of(analysis, "steps_planned").value_or(0);
    const auto* steps = array_of(analysis, "steps");
    const std::size_t measured = steps ? steps->size() : 0;
    std::optional<double> last_rps;
    bool last_complete = false;
    if (measured > 0) {
        if (const auto* last = steps->back().if_object()) {
            last_rps = number_of(*last, "target_rps");
            const auto* complete = last->if_contains("complete");
            last_complete = complete && complete->is_bool() && complete->get_bool();
        }
    }

    std::string capacity_text;
    if (capacity) {
        capacity_text =
            fmt::format("step {} of {:g}, the highest step that met every threshold",
                        format_count(number_of(analysis, "capacity_step").value_or(0)), planned);
    } else if (breaking) {
        capacity_text =
            fmt::format("none: the first step ({}/s) already failed", format_rps(*breaking));
    } else {
        capacity_text = "not measured: no step hold window was measured";
    }
    out.push_back(item("capacity", "Capacity", capacity, "rps", std::move(capacity_text)));

    std::string breaking_text;
    if (breaking) {
        std::string failed;
        if (const auto* exprs = array_of(analysis, "breaking_point_failed")) {
            for (const auto& e : *exprs) {
                if (e.is_string())
                    failed += (failed.empty() ? "" : "; ") + std::string(e.get_string());
            }
        }
        breaking_text =
            fmt::format("step {} failed {}",
                        format_count(number_of(analysis, "breaking_point_step").value_or(0)),
                        failed.empty() ? std::string("a threshold") : failed);
    } else if (measured > 0 && static_cast<double>(measured) >= planned && last_complete &&
               last_rps) {
        breaking_text = fmt::format("not reached: every step up to {}/s met the thresholds",
                                    format_rps(*last_rps));
    } else {
        breaking_text =
            fmt::format("not reached in the {} of {:g} steps measured", measured, planned);
    }
    out.push_back(
        item("breaking_point", "Breaking point", breaking, "rps", std::move(breaking_text)));
}

void spike_items(const json::object& analysis, json::array& out) {
    const auto recovery = number_of(analysis, "recovery_s");
    std::string text;
    if (recovery) {
        const auto* band = analysis.if_contains("band");
        const auto band_p99 =
            band && band->is_object() ? number_of(band->get_object(), "p99_ms") : std::nullopt;
        text = fmt::format(
            "after the spike's end{}",
            band_p99 ? fmt::format(", p99 back within {} ms", format_ms(*band_p99)) : "");
    } else {
        const auto note = string_of(analysis, "note");
        text = note.empty() ? "not recovered" : "not recovered: " + note;
    }
    out.push_back(item("recovery", "Recovery", recovery, "s", std::move(text)));
}

void soak_items(const json::object& analysis, json::array& out) {
    const auto* drift_value = analysis.if_contains("drift");
    const auto* drift = drift_value ? drift_value->if_object() : nullptr;
    std::optional<double> pct;
    std::string text = "not measured";
    if (drift) {
        pct = number_of(*drift, "p99_change_pct");
        const auto window_s = number_of(*drift, "window_s").value_or(0);
        const auto* first = drift->if_contains("first");
        const auto* last = drift->if_contains("last");
        const auto first_p99 =
            first && first->is_object() ? number_of(first->get_object(), "p99_ms") : std::nullopt;
        const auto last_p99 =
            last && last->is_object() ? number_of(last->get_object(), "p99_ms") : std::nullopt;
        if (pct && first_p99 && last_p99) {
            text =
                fmt::format("p99 {} → {} ms from the first to the last {} s window",
                            format_ms(*first_p99), format_ms(*last_p99), format_seconds(window_s));
        } else {
            const auto note = string_of(*drift, "note");
            text = note.empty() ? "not measured" : "not measured: " + note;
        }
    }
    out.push_back(item("drift_p99", "p99 drift", pct, "%", std::move(text)));
}

}  // namespace

json::array analysis_headline(const json::object& analysis) {
    json::array out;
    const auto type = string_of(analysis, "type");
    if (type == "stress")
        stress_items(analysis, out);
    else if (type == "spike")
        spike_items(analysis, out);
    else if (type == "soak")
        soak_items(analysis, out);
    return out;
}

}  // namespace volley::reports
