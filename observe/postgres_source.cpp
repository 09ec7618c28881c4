#include "observe/postgres_source.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace volley::observe {
namespace {

using reports::ObservedKind;
using reports::ObservedValue;

// The states a client backend is always reported in (0 when none); others when present.
constexpr std::string_view usual_states[] = {"active", "idle", "idle in transaction"};

std::string percent_encode(std::string_view text) {
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        }
    }
    return out;
}

// The URL (or key=value connection string) with the source's session settings. libpq's
// connect_timeout counts whole seconds, 2 at least: the connect may outlast a shorter timeout.
std::string conninfo_of(const std::string& url, std::chrono::milliseconds timeout) {
    const auto connect_timeout_s = std::max<long long>(2, (timeout.count() + 999) / 1000);
    const std::string options = fmt::format("-c statement_timeout={}", timeout.count());
    if (url.find("://") != std::string::npos) {
        return fmt::format("{}{}connect_timeout={}&application_name=volley-observe&options={}", url,
                           url.find('?') == std::string::npos ? '?' : '&', connect_timeout_s,
                           percent_encode(options));
    }
    return fmt::format("{} connect_timeout={} application_name=volley-observe options='{}'", url,
                       connect_timeout_s, options);
}

// libpq's messages span lines ("…failed: Connection refused\n\tIs the server running…").
std::string one_line(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\n' || c == '\t' || c == '\r') {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// A counter's increase; a smaller value means it was reset (pg_stat_reset,
// pg_stat_statements_reset, an entry evicted and tracked again): it rose from 0.
double increase(double previous, double current) {
    return current >= previous ? current - previous : current;
}

struct DatabaseCounters {
    double transactions = 0;  // xact_commit + xact_rollback
    double blocks_hit = 0;
    double blocks_read = 0;
    double temp_files = 0;
};

struct StatementCounters {
    std::string text;
    double calls = 0;
    double time_ms = 0;
};

class PostgresSource final : public ObserveSource {
public:
    PostgresSource(const PostgresSourceSpec& spec, std::chrono::milliseconds timeout)
        : conninfo_(conninfo_of(spec.url, timeout)) {}

    [[nodiscard]] std::string name() const override { return "postgres"; }

    SourceSample sample(const SampleContext& context) override {
        try {
            SourceSample sample;
            if (!connection_) connect(sample);
            read(context, sample);
            return sample;
        } catch (const std::exception& error) {  // libpqxx: broken connection, SQL, conversion
            fail(error.what());
        }
    }

private:
    // Forgets the connection and the counters (the next good sample is a new baseline), throws.
    [[noreturn]] void fail(std::string_view why) {
        connection_.reset();
        previous_.reset();
        previous_statements_.clear();
        throw SourceError("postgres: " + one_line(why));
    }

    void connect(SourceSample& sample) {
        auto connection = std::make_unique<pqxx::connection>(conninfo_);
        {
            pqxx::nontransaction tx(*connection);
            const pqxx::row row = tx.exec1(
                "SELECT /* volley observe */ oid, datname, EXISTS (SELECT 1 FROM pg_extension "
                "WHERE extname = 'pg_stat_statements') FROM pg_database "
                "WHERE datname = current_database()");
            database_oid_ = row[0].as<long long>();
            database_ = row[1].as<std::string>();
            statements_readable_ = row[2].as<bool>();
        }
        std::string note;
        if (!statements_readable_) {
            note = fmt::format(
                "pg_stat_statements is not installed in {}: queries per request and statements "
                "are not observed (CREATE EXTENSION pg_stat_statements; "
                "shared_preload_libraries)",
                database_);
        } else {
            try {  // installed but not preloaded: reading the view fails
                pqxx::nontransaction tx(*connection);
                tx.exec("SELECT /* volley observe */ 1 FROM pg_stat_statements LIMIT 1");
            } catch (const pqxx::sql_error& error) {
                statements_readable_ = false;
                note = fmt::format(
                    "pg_stat_statements cannot be read in {} ({}): queries per request and "
                    "statements are not observed (shared_preload_libraries = "
                    "'pg_stat_statements', then restart the server)",
                    database_, one_line(error.what()));
            }
        }
        if (!note.empty() && !note_given_) {
            sample.notes.push_back(std::move(note));
            note_given_ = true;
        }
        connection_ = std::move(connection);
    }

    void read(const SampleContext& context, SourceSample& sample) {
        pqxx::nontransaction tx(*connection_);  // autocommit: each query sees fresh statistics
        const pqxx::row db = tx.exec_params1(
            "SELECT /* volley observe */ xact_commit + xact_rollback, blks_hit, blks_read, "
            "temp_files FROM pg_stat_database WHERE datid = $1",
            database_oid_);
        const DatabaseCounters current{db[0].as<double>(), db[1].as<double>(), db[2].as<double>(),
                                       db[3].as<double>()};
        const pqxx::result states = tx.exec_params(
            "SELECT /* volley observe */ coalesce(state, 'unknown'), count(*) "
            "FROM pg_stat_activity WHERE datid = $1 AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' GROUP BY 1",
            database_oid_);
        std::map<std::string, double> by_state;
        for (const auto state : usual_states) by_state[std::string(state)] = 0;
        for (const auto& row : states) by_state[row[0].as<std::string>()] = row[1].as<double>();
        std::map<long long, StatementCounters> statements;
        if (statements_readable_) statements = read_statements(tx);

        const bool baseline = !previous_;
        if (!baseline) add_database_deltas(*previous_, current, context, sample);
        for (const auto& [state, count] : by_state) {
            sample.values.push_back(
                ObservedValue{fmt::format("postgres.connections{{state:{}}}", state),
                              ObservedKind::gauge,
                              "count",
                              {count, 0}});
        }
        if (!baseline && statements_readable_) add_statement_deltas(statements, context, sample);
        previous_ = current;
        previous_statements_ = std::move(statements);
    }

    [[nodiscard]] std::map<long long, StatementCounters> read_statements(
        pqxx::nontransaction& tx) const {
        // One entry per query id: pg_stat_statements splits it by user and nesting level.
        const pqxx::result rows = tx.exec_params(
            "SELECT /* volley observe */ queryid, min(query), sum(calls)::float8, "
            "sum(total_exec_time)::float8 FROM pg_stat_statements "
            "WHERE dbid = $1 AND queryid IS NOT NULL AND query IS NOT NULL GROUP BY queryid",
            database_oid_);
        std::map<long long, StatementCounters> statements;
        for (const auto& row : rows) {
            std::string text = row[1].as<std::string>();
            if (is_observer_statement(text)) continue;
            statements.emplace(
                row[0].as<long long>(),
                StatementCounters{std::move(text), row[2].as<double>(), row[3].as<double>()});
        }
        return statements;
    }

    static void add_database_deltas(const DatabaseCounters& before, const DatabaseCounters& now,
                                    const SampleContext& context, SourceSample& sample) {
        const double seconds = context.interval_s;
        const double hit = increase(before.blocks_hit, now.blocks_hit);
        const double read = increase(before.blocks_read, now.blocks_read);
        sample.values.push_back(
            ObservedValue{"postgres.transactions",
                          ObservedKind::rate,
                          "1/s",
                          {increase(before.transactions, now.transactions), seconds}});
        sample.values.push_back(ObservedValue{
            "postgres.cache_hit_ratio", ObservedKind::ratio, "ratio", {hit, hit + read}});
        sample.values.push_back(
            ObservedValue{"postgres.temp_files",
                          ObservedKind::rate,
                          "1/s",
                          {increase(before.temp_files, now.temp_files), seconds}});
    }

    // Each statement's calls and time since the last sample (a statement new since then was at
    // 0), and the queries among them per completed request.
    void add_statement_deltas(const std::map<long long, StatementCounters>& now,
                              const SampleContext& context, SourceSample& sample) const {
        double query_calls = 0;
        for (const auto& [id, current] : now) {
            const auto before = previous_statements_.find(id);
            const double calls = before == previous_statements_.end()
                                     ? current.calls
                                     : increase(before->second.calls, current.calls);
            if (calls <= 0) continue;
            // A reset shows as fewer calls: then the time since the reset is all there is.
            const bool reset =
                before != previous_statements_.end() && current.calls < before->second.calls;
            const double time_ms = before == previous_statements_.end() || reset
                                       ? current.time_ms
                                       : std::max(0.0, current.time_ms - before->second.time_ms);
            sample.statements.push_back(
                {current.text, static_cast<std::uint64_t>(std::llround(calls)), time_ms});
            if (is_counted_query(current.text)) query_calls += calls;
        }
        sample.values.push_back(ObservedValue{
            "postgres.queries", ObservedKind::rate, "1/s", {query_calls, context.interval_s}});
        for (auto& value : queries_per_request_values(query_calls, context))
            sample.values.push_back(std::move(value));
    }

    std::string conninfo_;
    std::unique_ptr<pqxx::connection> connection_;
    long long database_oid_ = 0;
    std::string database_;
    bool statements_readable_ = false;
    bool note_given_ = false;
    std::optional<DatabaseCounters> previous_;  // the last good sample: the deltas' baseline
    std::map<long long, StatementCounters> previous_statements_;  // by query id
};

// The text after leading whitespace, comments (`-- …` lines, nested `/* … */`) and '('.
std::string_view skip_to_keyword(std::string_view text) {
    for (;;) {
        const auto start = text.find_first_not_of(" \t\r\n\f(");
        if (start == std::string_view::npos) return {};
        text.remove_prefix(start);
        if (text.starts_with("--")) {
            const auto eol = text.find('\n');
            if (eol == std::string_view::npos) return {};
            text.remove_prefix(eol + 1);
        } else if (text.starts_with("/*")) {
            int depth = 0;
            std::size_t i = 0;
            while (i + 1 < text.size()) {
                if (text[i] == '/' && text[i + 1] == '*') {
                    ++depth;
                    i += 2;
                } else if (text[i] == '*' && text[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0) break;
                } else {
                    ++i;
                }
            }
            if (depth != 0) return {};
            text.remove_prefix(i);
        } else {
            return text;
        }
    }
}

}  // namespace

bool is_observer_statement(std::string_view text) {
    return text.find("volley observe") != std::string_view::npos ||
           text.find("pg_stat_") != std::string_view::npos;
}

bool is_counted_query(std::string_view text) {
    if (is_observer_statement(text)) return false;
    const std::string_view rest = skip_to_keyword(text);
    std::string keyword;
    for (const char c : rest) {
        if (std::isalpha(static_cast<unsigned char>(c)) == 0) break;
        keyword.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    static constexpr std::string_view queries[] = {"SELECT", "INSERT", "UPDATE", "DELETE",
                                                   "WITH",   "VALUES", "TABLE",  "CALL"};
    return std::find(std::begin(queries), std::end(queries), keyword) != std::end(queries);
}

std::vector<ObservedValue> queries_per_request_values(double query_calls,
                                                      const SampleContext& context) {
    std::vector<ObservedValue> values;
    values.push_back(ObservedValue{"postgres.queries_per_request",
                                   ObservedKind::ratio,
                                   "count",
                                   {query_calls, static_cast<double>(context.completed)}});
    const auto& tags = context.request_tags;
    const auto& completed = context.completed_per_request;
    std::optional<std::size_t> first;
    for (std::size_t i = 0; i < completed.size(); ++i) {
        if (completed[i] > 0) {
            first = i;
            break;
        }
    }
    if (!first || context.completed == 0) return values;
    // Per tag only when the interval isolates it: every request that completed in it carries the
    // tag, so the queries are the tagged requests' own.
    if (*first < tags.size()) {
        for (const auto& tag : tags[*first]) {
            bool everyone = true;
            for (std::size_t i = *first + 1; i < completed.size() && everyone; ++i) {
                if (completed[i] == 0) continue;
                everyone = i < tags.size() &&
                           std::find(tags[i].begin(), tags[i].end(), tag) != tags[i].end();
            }
            if (!everyone) continue;
            values.push_back(ObservedValue{
                fmt::format("postgres.queries_per_request{{{}:{}}}", tag.first, tag.second),
                ObservedKind::ratio,
                "count",
                {query_calls, static_cast<double>(context.completed)}});
        }
    }
    // Per request name only when the interval isolates one: the queries are then its own.
    for (std::size_t i = *first + 1; i < completed.size(); ++i) {
        if (completed[i] > 0) return values;
    }
    const std::string name = *first < context.request_names.size() ? context.request_names[*first]
                                                                   : std::to_string(*first);
    values.push_back(ObservedValue{fmt::format("postgres.queries_per_request{{request:{}}}", name),
                                   ObservedKind::ratio,
                                   "count",
                                   {query_calls, static_cast<double>(completed[*first])}});
    return values;
}

std::unique_ptr<ObserveSource> make_postgres_source(const PostgresSourceSpec& spec,
                                                    std::chrono::milliseconds timeout) {
    return std::make_unique<PostgresSource>(spec, timeout);
}

}  // namespace volley::observe
