// observe/postgres_source.*: the statement classifier on its own, then the source against a real
// PostgreSQL with pg_stat_statements preloaded (VOLLEY_PG_URL, started by scripts/test or
// `source scripts/services.sh; volley_start_postgres`; the [pg] cases skip with a warning without
// it). Each case works in a scratch database of its own (volley_obs_<pid>_<n>, dropped after),
// with or without the extension, and drives the statements itself, so the calls it expects are
// exact: pg_stat_statements counts per database and at once (not on the 1 s stats flush).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "observe/postgres_source.hpp"

using namespace volley::observe;
using volley::reports::ObservedKind;
using volley::reports::ObservedValue;

namespace {

// The server's URL; without it, a warning that the case is skipped.
std::optional<std::string> pg_url() {
    const char* url = std::getenv("VOLLEY_PG_URL");
    if (url == nullptr || *url == '\0') {
        WARN(
            "SKIPPED: VOLLEY_PG_URL is not set (source scripts/services.sh; "
            "volley_start_postgres)");
        return std::nullopt;
    }
    return std::string(url);
}

// The URL naming another database (the path of postgresql://user@host:port/DB?params).
std::string with_database(const std::string& url, const std::string& database) {
    const auto authority = url.find("://") + 3;
    const auto query = url.find('?', authority);
    const auto path = std::min(url.find('/', authority), query);
    return url.substr(0, path) + "/" + database +
           (query == std::string::npos ? "" : url.substr(query));
}

class ScratchDatabase {
public:
    ScratchDatabase(std::string admin_url, bool with_statements)
        : admin_url_(std::move(admin_url)),
          name_(fmt::format("volley_obs_{}_{}", ::getpid(), next_number_++)) {
        admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        admin("CREATE DATABASE " + name_);
        url_ = with_database(admin_url_, name_);
        if (with_statements) exec("CREATE EXTENSION pg_stat_statements");
        exec("CREATE SCHEMA obs");
        exec("CREATE TABLE obs.items (id int PRIMARY KEY, name text NOT NULL)");
        exec("INSERT INTO obs.items SELECT i, 'item ' || i FROM generate_series(1, 100) i");
    }
    ~ScratchDatabase() {
        try {
            admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception&) {  // a destructor must not throw; the name is unique
        }
    }
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    [[nodiscard]] const std::string& url() const { return url_; }
    void exec(const std::string& sql) const {
        pqxx::connection connection(url_);
        pqxx::nontransaction tx(connection);
        tx.exec(sql);
    }

private:
    void admin(const std::string& sql) const {
        pqxx::connection connection(admin_url_);
        pqxx::nontransaction tx(connection);
        tx.exec(sql);
    }
    static inline int next_number_ = 0;
    std::string admin_url_;
    std::string name_;
    std::string url_;
};

// The load: `count` lookups of one normalised statement on the test's own connection.
void lookups(pqxx::connection& connection, int count) {
    pqxx::nontransaction tx(connection);
    for (int i = 0; i < count; ++i) {
        tx.exec_params("SELECT name FROM obs.items WHERE id = $1", 1 + i % 100);
    }
}

const ObservedValue* find(const SourceSample& sample, const std::string& series) {
    const auto found = std::find_if(sample.values.begin(), sample.values.end(),
                                    [&](const ObservedValue& v) { return v.series == series; });
    return found == sample.values.end() ? nullptr : &*found;
}

const SourceSample::StatementDelta* find_statement(const SourceSample& sample,
                                                   const std::string& part) {
    const auto found =
        std::find_if(sample.statements.begin(), sample.statements.end(),
                     [&](const auto& s) { return s.text.find(part) != std::string::npos; });
    return found == sample.statements.end() ? nullptr : &*found;
}

bool has_prefix(const SourceSample& sample, const std::string& prefix) {
    return std::any_of(sample.values.begin(), sample.values.end(),
                       [&](const ObservedValue& v) { return v.series.starts_with(prefix); });
}

const std::vector<std::string> names = {"lookup", "list"};

constexpr std::chrono::milliseconds timeout(2000);

}  // namespace

TEST_CASE("postgres statements: queries are DML after comments; volley's own are left out") {
    CHECK(is_counted_query("SELECT name FROM obs.items WHERE id = $1"));
    CHECK(is_counted_query("  \n select 1"));
    CHECK(is_counted_query("/* app: x /* nested */ */ -- line\n  Insert INTO t VALUES ($1)"));
    CHECK(is_counted_query("(SELECT 1) UNION (SELECT 2)"));
    for (const char* text :
         {"update t set a = $1", "DELETE FROM t", "WITH x AS (SELECT 1) SELECT *", "VALUES ($1)",
          "TABLE t", "CALL p($1)"}) {
        CHECK(is_counted_query(text));
    }
    for (const char* text : {"BEGIN", "COMMIT", "SET search_path = obs", "CREATE TABLE t (a int)",
                             "SELECTED", "", "/* unterminated SELECT", "-- SELECT"}) {
        CHECK_FALSE(is_counted_query(text));
    }
    CHECK(is_observer_statement("SELECT /* volley observe */ 1"));
    CHECK(is_observer_statement("SELECT * FROM pg_stat_activity"));
    CHECK_FALSE(is_counted_query("SELECT calls FROM pg_stat_statements"));
    CHECK_FALSE(is_observer_statement("SELECT 1"));
}

TEST_CASE("postgres source: queries per request and statements from pg_stat_statements", "[pg]") {
    const auto url = pg_url();
    if (!url) return;
    const ScratchDatabase database(*url, true);
    pqxx::connection load(database.url());  // opened before the baseline: idle during it
    auto source = make_postgres_source(PostgresSourceSpec{database.url(), 5, 20}, timeout);
    CHECK(source->name() == "postgres");

    const SourceSample baseline = source->sample(SampleContext{0, 0, {}, names});
    CHECK(baseline.notes.empty());
    CHECK(baseline.statements.empty());
    CHECK_FALSE(has_prefix(baseline, "postgres.queries"));
    CHECK_FALSE(has_prefix(baseline, "postgres.transactions"));  // a counter: deltas only
    REQUIRE(find(baseline, "postgres.connections{state:idle}") != nullptr);
    CHECK(find(baseline, "postgres.connections{state:idle}")->point.num >= 1);  // `load`
    CHECK(find(baseline, "postgres.connections{state:active}") != nullptr);  // 0: itself excluded
    CHECK(find(baseline, "postgres.connections{state:active}")->point.num == 0);

    const int calls = 40;
    lookups(load, calls);
    const std::vector<std::uint64_t> one_request = {calls / 2, 0};
    const SourceSample isolated = source->sample(SampleContext{2.0, calls / 2, one_request, names});
    const ObservedValue* per_request = find(isolated, "postgres.queries_per_request");
    REQUIRE(per_request != nullptr);
    CHECK(per_request->kind == ObservedKind::ratio);
    CHECK(per_request->point.num / per_request->point.den == Approx(2).margin(0.01));
    const ObservedValue* lookup = find(isolated, "postgres.queries_per_request{request:lookup}");
    REQUIRE(lookup != nullptr);
    CHECK(lookup->point.num / lookup->point.den == Approx(2).margin(0.01));
    CHECK(find(isolated, "postgres.queries_per_request{request:list}") == nullptr);
    const ObservedValue* queries = find(isolated, "postgres.queries");
    REQUIRE(queries != nullptr);
    CHECK(queries->kind == ObservedKind::rate);
    CHECK(queries->point.num == calls);
    CHECK(queries->point.den == 2.0);
    // The statement first seen after the baseline counts all its calls.
    const auto* statement = find_statement(isolated, "obs.items");
    REQUIRE(statement != nullptr);
    CHECK(statement->calls == calls);
    CHECK(statement->time_ms > 0);
    CHECK(find_statement(isolated, "volley observe") == nullptr);
    CHECK(find_statement(isolated, "pg_stat_") == nullptr);
    for (const char* series :
         {"postgres.transactions", "postgres.cache_hit_ratio", "postgres.temp_files"}) {
        CHECK(find(isolated, series) != nullptr);
    }

    lookups(load, calls);
    const std::vector<std::uint64_t> two_requests = {calls / 4, calls / 4};
    const SourceSample mixed = source->sample(SampleContext{1.0, calls / 2, two_requests, names});
    REQUIRE(find(mixed, "postgres.queries_per_request") != nullptr);
    CHECK(find(mixed, "postgres.queries_per_request")->point.num == calls);
    CHECK_FALSE(has_prefix(mixed, "postgres.queries_per_request{"));
    REQUIRE(find_statement(mixed, "obs.items") != nullptr);
    CHECK(find_statement(mixed, "obs.items")->calls == calls);  // the interval's, not the total

    SECTION("pg_stat_statements_reset: fewer calls than before are the calls since the reset") {
        database.exec("SELECT pg_stat_statements_reset()");
        lookups(load, 7);
        const SourceSample after = source->sample(SampleContext{1.0, 7, {}, names});
        REQUIRE(find_statement(after, "obs.items") != nullptr);
        CHECK(find_statement(after, "obs.items")->calls == 7);
        CHECK(find(after, "postgres.queries")->point.num == 7);
    }
    SECTION("a terminated connection fails one sample; the next is a new baseline") {
        database.exec(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'volley-observe' AND datname = current_database()");
        CHECK_THROWS_AS(source->sample(SampleContext{1.0, 0, {}, names}), SourceError);
        const SourceSample again = source->sample(SampleContext{1.0, 0, {}, names});
        CHECK_FALSE(has_prefix(again, "postgres.queries"));
        CHECK(find(again, "postgres.connections{state:idle}") != nullptr);
        lookups(load, 3);
        const SourceSample next = source->sample(SampleContext{1.0, 3, {}, names});
        REQUIRE(find(next, "postgres.queries") != nullptr);
        CHECK(find(next, "postgres.queries")->point.num == 3);
    }
}

TEST_CASE("postgres source: without pg_stat_statements, a note once and the other figures",
          "[pg]") {
    const auto url = pg_url();
    if (!url) return;
    const ScratchDatabase database(*url, false);
    auto source = make_postgres_source(PostgresSourceSpec{database.url(), 5, 20}, timeout);
    const SourceSample baseline = source->sample(SampleContext{0, 0, {}, names});
    REQUIRE(baseline.notes.size() == 1);
    CHECK_THAT(baseline.notes[0],
               Catch::StartsWith("pg_stat_statements is not installed in volley_obs_") &&
                   Catch::Contains("CREATE EXTENSION pg_stat_statements"));
    database.exec("SELECT count(*) FROM obs.items");
    const std::vector<std::uint64_t> one_request = {5, 0};
    const SourceSample next = source->sample(SampleContext{1.0, 5, one_request, names});
    CHECK(next.notes.empty());
    CHECK(next.statements.empty());
    CHECK_FALSE(has_prefix(next, "postgres.queries"));
    CHECK(find(next, "postgres.transactions") != nullptr);
    CHECK(find(next, "postgres.cache_hit_ratio") != nullptr);
    CHECK(find(next, "postgres.temp_files") != nullptr);
    CHECK(has_prefix(next, "postgres.connections{state:"));
}

TEST_CASE("postgres source: scripts/services.sh's database has pg_stat_statements", "[pg]") {
    const auto url = pg_url();
    if (!url) return;
    auto source = make_postgres_source(PostgresSourceSpec{*url, 5, 20}, timeout);
    const SourceSample baseline = source->sample(SampleContext{0, 0, {}, names});
    CHECK(baseline.notes.empty());
    const SourceSample next = source->sample(SampleContext{1.0, 0, {}, names});
    CHECK(find(next, "postgres.queries") != nullptr);
}

TEST_CASE("postgres source: a refused server fails the sample with libpq's reason", "[pg]") {
    // No server needed: port 1 of loopback refuses.
    auto source =
        make_postgres_source(PostgresSourceSpec{"postgresql://postgres@127.0.0.1:1/volley", 5, 20},
                             std::chrono::milliseconds(500));
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(source->sample(SampleContext{0, 0, {}, names}),
                      Catch::StartsWith("postgres: ") && Catch::Contains("127.0.0.1") &&
                          Catch::Contains("refused"));
    // Bounded (no hang), not a speed figure: a refused connect is immediate.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("postgres source: queries per request per tag, where every completed request has it",
          "[pg]") {
    const auto url = pg_url();
    if (!url) return;
    const ScratchDatabase database(*url, true);
    pqxx::connection load(database.url());
    auto source = make_postgres_source(PostgresSourceSpec{database.url(), 5, 20}, timeout);
    const std::vector<std::vector<std::pair<std::string, std::string>>> tags = {
        {{"kind", "read"}, {"solo", "x"}}, {{"kind", "read"}, {"page", "yes"}}};
    (void)source->sample(SampleContext{0, 0, {}, names, tags});

    const int calls = 30;
    lookups(load, calls);
    const std::vector<std::uint64_t> both = {10, 5};
    const SourceSample mixed = source->sample(SampleContext{1.0, 15, both, names, tags});
    // Both requests carry kind:read: the interval's queries are the tag's.
    const ObservedValue* read = find(mixed, "postgres.queries_per_request{kind:read}");
    REQUIRE(read != nullptr);
    CHECK(read->point.num == calls);
    CHECK(read->point.den == 15);
    // Each of these is carried by one of the two only.
    CHECK(find(mixed, "postgres.queries_per_request{page:yes}") == nullptr);
    CHECK(find(mixed, "postgres.queries_per_request{solo:x}") == nullptr);

    lookups(load, calls);
    const std::vector<std::uint64_t> list_only = {0, 6};
    const SourceSample list = source->sample(SampleContext{1.0, 6, list_only, names, tags});
    REQUIRE(find(list, "postgres.queries_per_request{page:yes}") != nullptr);
    CHECK(find(list, "postgres.queries_per_request{page:yes}")->point.den == 6);
    CHECK(find(list, "postgres.queries_per_request{kind:read}") != nullptr);
}
