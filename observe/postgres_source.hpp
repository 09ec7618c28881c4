// The PostgreSQL source of `observe:` (docs/observe-sources.md "postgres"): the URL's database
// in pg_stat_database (postgres.transactions, postgres.cache_hit_ratio, postgres.temp_files),
// its client connections by state in pg_stat_activity (postgres.connections{state:S}), and,
// when the pg_stat_statements extension is installed there and readable, each statement's calls
// and time per interval (SourceSample::statements) with postgres.queries and
// postgres.queries_per_request. One libpqxx connection, opened lazily by sample() and opened
// again after a failure; its session's statement_timeout is the spec's timeout and its own
// queries carry the comment `/* volley observe */` (they are never counted).
#pragma once

#include "observe/observe_spec.hpp"
#include "observe/source.hpp"

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

namespace volley::observe {

// Whether a pg_stat_statements text counts as a query of the load: after leading whitespace,
// comments and parentheses it starts with SELECT, INSERT, UPDATE, DELETE, WITH, VALUES, TABLE or
// CALL (any case), and it is not volley's or a monitor's own (see is_observer_statement).
[[nodiscard]] bool is_counted_query(std::string_view text);
// Statements left out of SourceSample::statements: volley's sampling queries (`volley observe`)
// and any query of the statistics views (`pg_stat_`).
[[nodiscard]] bool is_observer_statement(std::string_view text);

// postgres.queries_per_request and its per-request and per-tag variants for `query_calls`
// queries over an interval whose completed requests `context` gives: the whole-run ratio always;
// `{request:NAME}` when NAME alone completed; `{KEY:VALUE}` for each tag every completed request
// carries (docs/observe.md "Queries per request"). The merge of a distributed run computes them
// again on the merged counts.
[[nodiscard]] std::vector<reports::ObservedValue> queries_per_request_values(
    double query_calls, const SampleContext& context);

// Never connects and never throws: a down server or a bad URL fails sample() instead.
[[nodiscard]] std::unique_ptr<ObserveSource> make_postgres_source(
    const PostgresSourceSpec& spec, std::chrono::milliseconds timeout);

}  // namespace volley::observe
