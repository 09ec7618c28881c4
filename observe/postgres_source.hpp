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

namespace volley::observe {

// Whether a pg_stat_statements text counts as a query of the load: after leading whitespace,
// comments and parentheses it starts with SELECT, INSERT, UPDATE, DELETE, WITH, VALUES, TABLE or
// CALL (any case), and it is not volley's or a monitor's own (see is_observer_statement).
[[nodiscard]] bool is_counted_query(std::string_view text);
// Statements left out of SourceSample::statements: volley's sampling queries (`volley observe`)
// and any query of the statistics views (`pg_stat_`).
[[nodiscard]] bool is_observer_statement(std::string_view text);

// Never connects and never throws: a down server or a bad URL fails sample() instead.
[[nodiscard]] std::unique_ptr<ObserveSource> make_postgres_source(
    const PostgresSourceSpec& spec, std::chrono::milliseconds timeout);

}  // namespace volley::observe
