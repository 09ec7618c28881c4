#include "apps/cli_checks.hpp"

#include "observe/metrics_server.hpp"
#include "scenarios/language/overrides.hpp"
#include "scenarios/language/units.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace volley::apps {

void check_url_has_scheme(std::string_view flag, const std::string& url) {
    if (url.find("://") != std::string::npos) return;
    std::string rest = url;
    if (rest.rfind("//", 0) == 0) rest.erase(0, 2);
    throw std::invalid_argument(
        fmt::format("{}: \"{}\" has no scheme; did you mean http://{} ?", flag, url, rest));
}

void check_formats(std::string_view flag, const std::vector<std::string>& formats,
                   const std::vector<std::string>& valid) {
    for (const auto& format : formats) {
        if (std::find(valid.begin(), valid.end(), format) != valid.end()) continue;
        throw std::invalid_argument(fmt::format("{}: unknown format \"{}\" (valid: {})", flag,
                                                format, fmt::join(valid, ", ")));
    }
}

std::optional<std::string> find_set(const std::vector<std::string>& sets,
                                    std::initializer_list<std::string_view> keys) {
    for (const auto& set : sets) {
        const std::string path = scenarios::override_key_path(set);
        for (std::string_view key : keys) {
            if (path.rfind(key, 0) != 0) continue;
            if (path.size() == key.size() || path[key.size()] == '.' || path[key.size()] == '[')
                return set;
        }
    }
    return std::nullopt;
}

double parse_percent_flag(std::string_view flag, const std::string& text) {
    const std::string_view trimmed = scenarios::trim(text);
    if (!trimmed.empty() && trimmed.back() != '%' && trimmed != "0" && trimmed.front() != '-') {
        bool numeric = true;
        try {
            (void)scenarios::parse_number(trimmed);
        } catch (const std::invalid_argument&) {
            numeric = false;
        }
        if (numeric) {
            throw std::invalid_argument(fmt::format(
                "{}: \"{}\" needs a percent sign; did you mean {}%?", flag, text, trimmed));
        }
    }
    try {
        return scenarios::parse_percent_ratio(text);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("{}: {}", flag, e.what()));
    }
}

std::pair<std::string, std::string> parse_label(const std::string& text) {
    const auto equals = text.find('=');
    const std::string key = text.substr(0, equals);
    const bool key_ok = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
    if (equals == std::string::npos || !key_ok) {
        throw std::invalid_argument(fmt::format(
            "--label: \"{}\": expected key=value with a key of letters, digits, '_' or '-' "
            "(e.g. --label git=3f2a9c1)",
            text));
    }
    return {key, text.substr(equals + 1)};
}

void add_history_flags(CLI::App& command, std::vector<std::string>& labels,
                       std::optional<std::string>& store) {
    command.add_option("--label", labels,
                       "Label the run key=value (repeatable; e.g. --label git=3f2a9c1): "
                       "summary.json labels, the history");
    command.add_option("--store", store,
                       "Also add the run to this history store after it (postgresql://…; "
                       "docs/history.md)");
}

void push_history_overrides(const std::vector<std::string>& labels,
                            const std::optional<std::string>& store,
                            std::vector<std::string>& sets) {
    for (const auto& label : labels) {
        const auto [key, value] = parse_label(label);
        sets.push_back(scenarios::flag_override("--label", "output.labels." + key, value));
    }
    if (store) sets.push_back(scenarios::flag_override("--store", "output.store", *store));
}

void add_observe_flags(CLI::App& command, ObserveFlags& flags) {
    command.add_option("--observe-prom", flags.prometheus,
                       "Scrape this Prometheus text endpoint once per interval (repeatable; "
                       "docs/observe.md)");
    command.add_option("--observe-redis", flags.redis,
                       "Observe this Redis once per interval: server-side hit rate, memory, ops "
                       "(redis://host:port)");
    command.add_option("--observe-postgres", flags.postgres,
                       "Observe this PostgreSQL once per interval: transactions, connections, "
                       "queries per request (postgresql://…)");
    command.add_option("--observe-process", flags.process,
                       "Observe a process on this machine by pid or name: RSS, CPU, open files, "
                       "threads");
}

void push_observe_overrides(const ObserveFlags& flags, std::vector<std::string>& sets) {
    if (!flags.prometheus.empty()) {
        // One override for the whole list (an override cannot create a list item by item): a
        // YAML flow list of double-quoted URLs.
        std::string list = "[";
        for (const auto& url : flags.prometheus) {
            check_url_has_scheme("--observe-prom", url);
            std::string quoted;
            for (const char c : url) {
                if (c == '"' || c == '\\') quoted += '\\';
                quoted += c;
            }
            list += fmt::format("{}\"{}\"", list.size() > 1 ? ", " : "", quoted);
        }
        sets.push_back(
            scenarios::flag_override("--observe-prom", "observe.prometheus", list + "]", false));
    }
    if (flags.redis) {
        check_url_has_scheme("--observe-redis", *flags.redis);
        sets.push_back(
            scenarios::flag_override("--observe-redis", "observe.redis.url", *flags.redis));
    }
    if (flags.postgres) {
        check_url_has_scheme("--observe-postgres", *flags.postgres);
        sets.push_back(scenarios::flag_override("--observe-postgres", "observe.postgres.url",
                                                *flags.postgres));
    }
    if (flags.process) {
        const std::string& value = *flags.process;
        const bool pid = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
        });
        sets.push_back(scenarios::flag_override(
            "--observe-process", pid ? "observe.process.pid" : "observe.process.name", value,
            !pid));
    }
}

void add_metrics_listen_flag(CLI::App& command, std::optional<std::string>& listen) {
    command.add_option("--metrics-listen", listen,
                       "Serve volley's own Prometheus metrics at http://HOST:PORT/metrics during "
                       "the run (port 0: any free port; docs/metrics.md)");
}

void add_protocol_flag(CLI::App& command, std::optional<std::string>& protocol) {
    command.add_option("--protocol", protocol,
                       "HTTP version: h1, h2 (TLS, ALPN), h2c (cleartext) or auto (default h1)");
}

void push_protocol_override(const std::optional<std::string>& protocol,
                            std::vector<std::string>& sets) {
    if (protocol)
        sets.push_back(scenarios::flag_override("--protocol", "target.http.protocol", *protocol));
}

void add_pipeline_flag(CLI::App& command, std::optional<std::string>& depth) {
    command.add_option("--pipeline", depth,
                       "HTTP/1.1 pipelining: requests each connection carries at once, 1-256 "
                       "(default 1: none; said in the report, as it changes what latency means)");
}

void push_pipeline_override(const std::optional<std::string>& depth,
                            std::vector<std::string>& sets) {
    if (depth)
        sets.push_back(scenarios::flag_override("--pipeline", "target.http.pipeline", *depth));
}

void check_metrics_listen(const std::optional<std::string>& listen) {
    if (!listen) return;
    try {
        (void)observe::parse_listen_address(*listen);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("--metrics-listen: ") + e.what());
    }
}

}  // namespace volley::apps
