// Checks of command-line values that the subcommands share: each failure is a
// std::invalid_argument whose message starts with the flag it is about ("-u/--url: …"), so that
// the caller prints "error: <message>" and exits 2.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::apps {

// A URL flag's value must say its scheme: "127.0.0.1:8080/" -> `-u/--url: "127.0.0.1:8080/"
// has no scheme; did you mean http://127.0.0.1:8080/ ?`. Other problems are the loader's.
void check_url_has_scheme(std::string_view flag, const std::string& url);

// Every entry of `formats` must be one of `valid`; the message names the flag and lists them.
void check_formats(std::string_view flag, const std::vector<std::string>& formats,
                   const std::vector<std::string>& valid);

// The first of `sets` (key.path=value texts) that sets one of `keys` or something below it
// ("load.stages[0].rate" sets "load.stages"); nullopt when none does.
[[nodiscard]] std::optional<std::string> find_set(const std::vector<std::string>& sets,
                                                  std::initializer_list<std::string_view> keys);

// `--observe-prom URL` (repeatable), `--observe-redis URL`, `--observe-postgres URL`,
// `--observe-process PID|NAME` of `volley run` and `volley replay` (docs/observe.md): the
// observe: sources of a quick run, as overrides of observe.prometheus[i].url, observe.redis.url,
// observe.postgres.url, observe.process.pid|name.
struct ObserveFlags {
    std::vector<std::string> prometheus;
    std::optional<std::string> redis, postgres, process;
};
void add_observe_flags(CLI::App& command, ObserveFlags& flags);
void push_observe_overrides(const ObserveFlags& flags, std::vector<std::string>& sets);

// "--max-regression 10%" -> 0.10. The value must carry '%' ("0" alone is 0); a bare number is
// refused with a suggestion ("did you mean 10%?"), as is a negative one.
[[nodiscard]] double parse_percent_flag(std::string_view flag, const std::string& text);

// "--label night=42" -> {"night", "42"}. The key is letters, digits, '_' and '-' (it becomes a
// key path: output.labels.KEY); the value may be empty. Anything else names the flag.
[[nodiscard]] std::pair<std::string, std::string> parse_label(const std::string& text);

// `--label k=v` (repeatable) and `--store URL` of `volley run` and `volley replay`
// (docs/history.md), and the overrides they stand for: output.labels.K and output.store.
void add_history_flags(CLI::App& command, std::vector<std::string>& labels,
                       std::optional<std::string>& store);
// `--metrics-listen HOST:PORT` of `volley run` and `volley replay` (docs/metrics.md), and its
// check: a value that is not HOST:PORT names the flag. Whether the port is free is known only
// when the run binds it (pipeline::ReportOptions::metrics_listen).
void add_metrics_listen_flag(CLI::App& command, std::optional<std::string>& listen);
// `--protocol h1|h2|h2c|auto` of `volley run` and `volley replay`: target.http.protocol.
void add_protocol_flag(CLI::App& command, std::optional<std::string>& protocol);
void push_protocol_override(const std::optional<std::string>& protocol,
                            std::vector<std::string>& sets);
// `--pipeline N` of `volley run` and `volley replay`: target.http.pipeline (HTTP/1.1 pipelining
// depth; the loader checks the range and the protocol, naming the flag).
void add_pipeline_flag(CLI::App& command, std::optional<std::string>& depth);
void push_pipeline_override(const std::optional<std::string>& depth,
                            std::vector<std::string>& sets);
void check_metrics_listen(const std::optional<std::string>& listen);

void push_history_overrides(const std::vector<std::string>& labels,
                            const std::optional<std::string>& store,
                            std::vector<std::string>& sets);

}  // namespace volley::apps
