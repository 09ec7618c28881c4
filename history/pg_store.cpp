// The PostgreSQL history store. Every statement names the schema (volley_history.*), so the store
// never changes the connection's search_path. Values travel as parameters: a run's row, its
// intervals and its series as one JSON document each (jsonb_to_record / jsonb_to_recordset turn
// JSON nulls into SQL NULLs), its histograms through COPY (pqxx::stream_to).
#include "history/pg_store.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "history/pg_migrations.hpp"
#include "reports/hdr_codec.hpp"
#include "reports/summary_access.hpp"

namespace volley::history {

struct PgHistoryStore::Session {
    explicit Session(const std::string& conninfo) : connection(conninfo) {}
    pqxx::connection connection;
};

namespace {

namespace json = boost::json;

// pg_advisory_xact_lock key serializing migrations ("volleyh"); the resolver uses another.
constexpr std::int64_t kMigrationLockKey = 0x766f6c6c657968;

// The columns of volley_history.runs that add() writes, in order, with their SQL types (the
// record type of jsonb_to_record).
constexpr std::pair<const char*, const char*> kRunColumns[] = {
    {"scenario_name", "text"},
    {"scenario_hash", "text"},
    {"scenario_type", "text"},
    {"labels", "jsonb"},
    {"started_at", "timestamptz"},
    {"duration_s", "double precision"},
    {"verdict", "text"},
    {"environment", "jsonb"},
    {"source_dir", "text"},
    {"requests", "bigint"},
    {"p50_ms", "double precision"},
    {"p95_ms", "double precision"},
    {"p99_ms", "double precision"},
    {"max_ms", "double precision"},
    {"throughput_rps", "double precision"},
    {"error_rate", "double precision"},
    {"hit_rate", "double precision"},
    {"summary", "jsonb"},
};

// What list() and sample() read of a run, in the order record_from_row() expects.
constexpr const char* kRecordColumns =
    "run_id, source_dir, scenario_name, scenario_hash, scenario_type, labels::text, "
    "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "extract(epoch FROM started_at)::double precision, duration_s, verdict, environment::text, "
    "requests, p50_ms, p95_ms, p99_ms, max_ms, throughput_rps, error_rate, hit_rate";

std::string insert_run_statement() {
    std::string names, record_type;
    for (const auto& [name, type] : kRunColumns) {
        names += fmt::format("{}{}", names.empty() ? "" : ", ", name);
        record_type += fmt::format("{}{} {}", record_type.empty() ? "" : ", ", name, type);
    }
    return fmt::format(
        "INSERT INTO volley_history.runs ({}) SELECT {} FROM jsonb_to_record($1::jsonb) AS r({}) "
        "ON CONFLICT ON CONSTRAINT runs_same_run DO NOTHING RETURNING run_id",
        names, names, record_type);
}

// libpq's messages span lines ("...refused\n\tIs the server running..."): one line for ours.
std::string one_line(std::string_view text) {
    std::string out;
    bool space = false;
    for (const char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

// The URL libpq connects with: connect_timeout=5 unless the URL sets one.
std::string conninfo_of(const std::string& url) {
    if (url.find("connect_timeout=") != std::string::npos) return url;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=5";
}

json::value nullable(const std::optional<double>& value) {
    return value ? json::value(*value) : json::value(nullptr);
}

std::uint64_t count_at(const json::object& object, std::string_view key) {
    const auto value = reports::number_at(object, key);
    return value && *value > 0 ? static_cast<std::uint64_t>(std::llround(*value)) : 0;
}

std::optional<double> optional_double(const pqxx::field& field) {
    if (field.is_null()) return std::nullopt;
    return field.as<double>();
}

json::object object_from_text(const pqxx::field& field) {
    auto value = json::parse(field.as<std::string>());
    return value.is_object() ? std::move(value.as_object()) : json::object{};
}

// One row of kRecordColumns.
RunRecord record_from_row(const pqxx::row& row) {
    RunRecord record;
    record.id = row[0].as<std::string>();
    record.dir = row[1].as<std::string>();
    record.scenario_name = row[2].as<std::string>();
    record.scenario_hash = row[3].as<std::string>();
    record.scenario_type = row[4].as<std::string>();
    for (const auto& [key, value] : object_from_text(row[5])) {
        if (value.is_string())
            record.labels.emplace(std::string(key), std::string(value.get_string()));
    }
    record.started_at = row[6].as<std::string>();
    record.started_unix_s = row[7].as<double>();
    record.duration_s = row[8].as<double>();
    record.verdict = row[9].as<std::string>();
    record.environment = object_from_text(row[10]);
    auto& figures = record.figures;
    figures.requests = row[11].as<std::uint64_t>();
    figures.p50_ms = optional_double(row[12]);
    figures.p95_ms = optional_double(row[13]);
    figures.p99_ms = optional_double(row[14]);
    figures.max_ms = optional_double(row[15]);
    figures.throughput_rps = optional_double(row[16]);
    figures.error_rate = optional_double(row[17]);
    figures.hit_rate = optional_double(row[18]);
    return record;
}

json::object run_row(const RunRecord& record, const std::filesystem::path& run_dir,
                     const json::object& summary) {
    json::object labels;
    for (const auto& [key, value] : record.labels) labels[key] = value;
    const auto& figures = record.figures;
    json::object row;
    row["scenario_name"] = record.scenario_name;
    row["scenario_hash"] = record.scenario_hash;
    row["scenario_type"] = record.scenario_type;
    row["labels"] = std::move(labels);
    row["started_at"] = record.started_at;
    row["duration_s"] = record.duration_s;
    row["verdict"] = record.verdict;
    row["environment"] = record.environment;
    row["source_dir"] = std::filesystem::absolute(run_dir).lexically_normal().string();
    row["requests"] = figures.requests;
    row["p50_ms"] = nullable(figures.p50_ms);
    row["p95_ms"] = nullable(figures.p95_ms);
    row["p99_ms"] = nullable(figures.p99_ms);
    row["max_ms"] = nullable(figures.max_ms);
    row["throughput_rps"] = nullable(figures.throughput_rps);
    row["error_rate"] = nullable(figures.error_rate);
    row["hit_rate"] = nullable(figures.hit_rate);
    row["summary"] = summary;
    return row;
}

json::array interval_rows(const std::vector<IntervalCounts>& intervals) {
    json::array rows;
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        const auto& interval = intervals[i];
        rows.push_back(json::object{
            {"idx", i},
            {"t_s", interval.t_s},
            {"length_s", interval.length_s},
            {"requests", interval.requests},
            {"errors", interval.errors},
            {"dropped", interval.dropped},
            {"hits", interval.hits ? json::value(*interval.hits) : json::value(nullptr)}});
    }
    return rows;
}

// summary.json requests[], journeys[] and tags[] as rows of volley_history.series.
json::array series_rows(const json::object& summary) {
    json::array rows;
    const auto add = [&rows](std::string_view kind, std::string name, std::uint64_t requests,
                             std::uint64_t errors, const json::object& entry,
                             std::string_view figures) {
        const auto figure = [&](std::string_view which) {
            return nullable(reports::number_at(entry, fmt::format("{}.{}", figures, which)));
        };
        rows.push_back(json::object{{"kind", kind},
                                    {"name", std::move(name)},
                                    {"requests", requests},
                                    {"errors", errors},
                                    {"p50_ms", figure("p50")},
                                    {"p95_ms", figure("p95")},
                                    {"p99_ms", figure("p99")},
                                    {"max_ms", figure("max")}});
    };
    const auto each = [&summary](std::string_view key, const auto& fn) {
        if (const auto* entries = reports::array_at(summary, key)) {
            for (const auto& entry : *entries)
                if (entry.is_object()) fn(entry.as_object());
        }
    };
    each("requests", [&](const json::object& e) {
        add("request", reports::string_at(e, "name"), count_at(e, "requests"),
            count_at(e, "errors"), e, "latency_ms");
    });
    each("journeys", [&](const json::object& e) {
        const auto failed = count_at(e, "failed");
        add("journey", reports::string_at(e, "name"), count_at(e, "completed") + failed, failed, e,
            "duration_ms");
    });
    each("tags", [&](const json::object& e) {
        add("tag", reports::string_at(e, "key") + "=" + reports::string_at(e, "value"),
            count_at(e, "requests"), count_at(e, "errors"), e, "latency_ms");
    });
    return rows;
}

std::string quoted_series(const std::string& series) {
    return series.empty() ? "\"\" (all requests)" : fmt::format("\"{}\"", series);
}

}  // namespace

std::string pg_url_without_password(std::string_view url) {
    std::string out(url);
    const auto scheme_end = out.find("://");
    if (scheme_end != std::string::npos) {
        const auto authority = scheme_end + 3;
        auto authority_end = out.find_first_of("/?", authority);
        if (authority_end == std::string::npos) authority_end = out.size();
        const auto at = out.rfind('@', authority_end);
        if (at != std::string::npos && at >= authority) {
            const auto colon = out.find(':', authority);
            if (colon < at) out.erase(colon, at - colon);
        }
    }
    const auto query = out.find('?');
    if (query == std::string::npos) return out;
    std::string kept;
    std::size_t begin = query + 1;
    while (begin <= out.size()) {
        auto end = out.find('&', begin);
        if (end == std::string::npos) end = out.size();
        const auto parameter = out.substr(begin, end - begin);
        if (!parameter.empty() && parameter.rfind("password=", 0) != 0)
            kept += (kept.empty() ? "" : "&") + parameter;
        begin = end + 1;
    }
    out.erase(query);
    if (!kept.empty()) out += "?" + kept;
    return out;
}

PgHistoryStore::PgHistoryStore(std::string url)
    : url_(std::move(url)), location_(pg_url_without_password(url_)) {
    try {
        session_ = std::make_unique<Session>(conninfo_of(url_));
        migrate();
    } catch (const std::exception& e) {
        throw StoreError(fmt::format("history store {}: {}", location_, one_line(e.what())));
    }
}

PgHistoryStore::~PgHistoryStore() = default;

std::string PgHistoryStore::location() const { return location_; }

// One transaction: the schema, the migrations table and every pending migration, or nothing.
// The transaction-scoped advisory lock makes a second store opening at the same time wait, then
// find the work done.
void PgHistoryStore::migrate() {
    pqxx::work tx(session_->connection);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the
    // schema exists, and a store user may only have been granted the schema.
    if (tx.exec1("SELECT to_regnamespace('volley_history') IS NULL")[0].as<bool>())
        tx.exec("CREATE SCHEMA volley_history");
    tx.exec(
        "CREATE TABLE IF NOT EXISTS volley_history.schema_migrations (version integer PRIMARY "
        "KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& migration : history_migrations()) {
        if (!tx.exec_params("SELECT 1 FROM volley_history.schema_migrations WHERE version = $1",
                            migration.version)
                 .empty())
            continue;
        tx.exec(migration.sql);
        tx.exec_params(
            "INSERT INTO volley_history.schema_migrations (version, name) VALUES ($1, $2)",
            migration.version, std::string(migration.name));
    }
    tx.commit();
}

std::string PgHistoryStore::add(const std::filesystem::path& run_dir) {
    const auto summary = read_summary_of(run_dir);          // RunReadError naming the file
    const auto sample = read_run_sample(run_dir, summary);  // the same, for latency.hlog
    try {
        pqxx::work tx(session_->connection);
        const auto inserted = tx.exec_params(
            insert_run_statement(), json::serialize(run_row(sample.record, run_dir, summary)));
        if (inserted.empty()) {
            // Stored before (by us or by a job adding it at the same time: ON CONFLICT waited
            // for that one to commit, and this statement sees it).
            const auto existing = tx.exec_params1(
                "SELECT run_id FROM volley_history.runs WHERE scenario_hash = $1 AND started_at "
                "= $2::timestamptz AND scenario_name = $3",
                sample.record.scenario_hash, sample.record.started_at, sample.record.scenario_name);
            tx.commit();
            return existing[0].as<std::string>();
        }
        const auto run_id = inserted[0][0].as<std::int64_t>();
        tx.exec_params(
            "INSERT INTO volley_history.intervals (run_id, idx, t_s, length_s, requests, errors, "
            "dropped, hits) SELECT $1, idx, t_s, length_s, requests, errors, dropped, hits FROM "
            "jsonb_to_recordset($2::jsonb) AS r(idx integer, t_s double precision, length_s "
            "double precision, requests bigint, errors bigint, dropped bigint, hits bigint)",
            run_id, json::serialize(interval_rows(sample.intervals)));
        tx.exec_params(
            "INSERT INTO volley_history.series (run_id, kind, name, requests, errors, p50_ms, "
            "p95_ms, p99_ms, max_ms) SELECT $1, kind, name, requests, errors, p50_ms, p95_ms, "
            "p99_ms, max_ms FROM jsonb_to_recordset($2::jsonb) AS r(kind text, name text, "
            "requests bigint, errors bigint, p50_ms double precision, p95_ms double precision, "
            "p99_ms double precision, max_ms double precision)",
            run_id, json::serialize(series_rows(summary)));
        {
            pqxx::stream_to rows(tx, "volley_history.histograms",
                                 std::vector<std::string>{"run_id", "series", "idx", "start_s",
                                                          "length_s", "histogram"});
            for (const auto& [series, intervals] : sample.latency) {
                for (std::size_t i = 0; i < intervals.size(); ++i) {
                    const auto& interval = intervals[i];
                    rows << std::make_tuple(
                        run_id, series, static_cast<int>(i), interval.start_s, interval.length_s,
                        reports::encode_compressed_base64(interval.histogram.expand()));
                }
            }
            rows.complete();
        }
        tx.commit();
        return std::to_string(run_id);
    } catch (const std::exception& e) {
        throw StoreError(fmt::format("history store {}: adding {}: {}", location_, run_dir.string(),
                                     one_line(e.what())));
    }
}

RunListing PgHistoryStore::list(const RunQuery& query) {
    RunListing listing;
    try {
        pqxx::read_transaction tx(session_->connection);
        const auto rows = tx.exec_params(
            fmt::format("SELECT {} FROM volley_history.runs WHERE ($1 = '' OR scenario_name = $1) "
                        "AND ($2 = '' OR scenario_hash = $2) AND (NOT $3 OR verdict = 'pass') "
                        "ORDER BY started_at DESC, run_id DESC LIMIT NULLIF($4::bigint, 0)",
                        kRecordColumns),
            query.scenario_name, query.scenario_hash, query.passing_only,
            static_cast<std::int64_t>(query.last));
        for (const auto& row : rows) listing.runs.push_back(record_from_row(row));
    } catch (const std::exception& e) {
        throw StoreError(
            fmt::format("history store {}: listing runs: {}", location_, one_line(e.what())));
    }
    std::reverse(listing.runs.begin(), listing.runs.end());  // newest N, shown oldest first
    return listing;
}

RunSample PgHistoryStore::sample(const std::string& id) {
    const bool numeric =
        !id.empty() && id.size() <= 18 && std::all_of(id.begin(), id.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        });
    if (!numeric)
        throw UnknownRunError(fmt::format(
            "history store {}: no run with id \"{}\" (ids are numbers)", location_, id));
    RunSample sample;
    struct StoredHistogram {
        std::string series;
        int idx;
        double start_s, length_s;
        std::string text;
    };
    std::vector<StoredHistogram> stored;
    try {
        pqxx::read_transaction tx(session_->connection);
        const auto run_id = std::stoll(id);
        const auto runs = tx.exec_params(
            fmt::format("SELECT {} FROM volley_history.runs WHERE run_id = $1", kRecordColumns),
            run_id);
        if (runs.empty())
            throw UnknownRunError(
                fmt::format("history store {}: no run with id {}", location_, id));
        sample.record = record_from_row(runs[0]);
        for (const auto& row :
             tx.exec_params("SELECT t_s, length_s, requests, errors, dropped, hits FROM "
                            "volley_history.intervals WHERE run_id = $1 ORDER BY idx",
                            run_id)) {
            IntervalCounts counts;
            counts.t_s = row[0].as<double>();
            counts.length_s = row[1].as<double>();
            counts.requests = row[2].as<std::uint64_t>();
            counts.errors = row[3].as<std::uint64_t>();
            counts.dropped = row[4].as<std::uint64_t>();
            if (!row[5].is_null()) counts.hits = row[5].as<std::uint64_t>();
            sample.intervals.push_back(counts);
        }
        for (const auto& row : tx.exec_params(
                 "SELECT series, idx, start_s, length_s, histogram FROM volley_history.histograms "
                 "WHERE run_id = $1 ORDER BY series, idx",
                 run_id)) {
            stored.push_back({row[0].as<std::string>(), row[1].as<int>(), row[2].as<double>(),
                              row[3].as<double>(), row[4].as<std::string>()});
        }
    } catch (const StoreError&) {
        throw;
    } catch (const std::exception& e) {
        throw StoreError(
            fmt::format("history store {}: reading run {}: {}", location_, id, one_line(e.what())));
    }
    for (auto& row : stored) {
        IntervalHistogram interval;
        interval.start_s = row.start_s;
        interval.length_s = row.length_s;
        try {
            interval.histogram = CompactHistogram(reports::decode_base64(row.text));
        } catch (const std::exception& e) {
            throw RunReadError(fmt::format("history store {}: run {}: series {} interval {}: {}",
                                           location_, id, quoted_series(row.series), row.idx,
                                           e.what()));
        }
        sample.latency[row.series].push_back(std::move(interval));
    }
    return sample;
}

}  // namespace volley::history
