// `journeys:` as the loader reads it (docs/scenarios.md "journeys"): each step's request is an
// entry of Plan::requests (named "journey.step"); these are the parts a request mix lacks.
// Expressions are kept as written and validated by the loader; the journey source compiles them.
#pragma once

#include "engine/schedule.hpp"
#include "thresholds/run_catalog.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace volley::scenarios {

using thresholds::Tag;

enum class ExtractKind : std::uint8_t { json, header, regex, status };

// `extract: {VAR: {json: "$.token", default: "x"}}`
struct ExtractRule {
    std::string variable;
    ExtractKind kind = ExtractKind::json;
    std::string expression;               // the JSON path, header name or regex; empty for status
    std::optional<std::string> fallback;  // `default:`: used when the value is missing
};

enum class CheckKind : std::uint8_t {
    status,
    header,
    body_contains,
    body_matches,
    json,
    body_size
};
// What a header or JSON path check tests.
enum class CheckTest : std::uint8_t { exists, absent, equals, matches };

// `check: [{name: ..., status: 200}, ...]`
struct CheckRule {
    std::string name;  // unique across the scenario (thresholds name it: checks{NAME})
    CheckKind kind = CheckKind::status;
    std::vector<int> statuses;  // status
    std::string subject;        // header name, JSON path; body_contains / body_matches text
    CheckTest test = CheckTest::exists;
    std::string operand;                                // equals / matches value
    std::optional<std::uint64_t> min_bytes, max_bytes;  // body_size
};

enum class AuthKind : std::uint8_t { none, bearer, basic };
// `auth: {bearer: "${token}"}` or `auth: {basic: {user: ..., password: ...}}`; the values are
// templates like header values.
struct AuthSpec {
    AuthKind kind = AuthKind::none;
    std::string token, user, password;
};

struct StepSpec {
    std::string name;         // the step's own name ("login")
    std::size_t request = 0;  // its request: an index of Plan::requests
    std::vector<ExtractRule> extract;
    std::vector<CheckRule> checks;
    engine::ThinkTime think;   // after the step, before the next one
    bool once = false;         // closed model: only in the VU's first journey
    std::uint32_t repeat = 1;  // runs at most this many times in a row
    std::string while_path;    // ... while this JSON path of the last response is truthy
    std::string if_variable;   // runs only when this journey variable is set
    AuthSpec auth;
    std::vector<Tag> tags;                 // the journey's tags with the step's own over them
    std::vector<std::size_t> check_index;  // per check: its Plan::catalog.checks index
};

struct JourneySpec {
    std::string name;
    double weight = 1;
    std::vector<Tag> tags;
    bool cookies = true;  // a cookie jar (per journey in the open model, per VU in the closed)
    std::vector<StepSpec> steps;
    std::vector<std::string> variables;  // every variable its steps extract, in first-use order
};

}  // namespace volley::scenarios
