// history/pg_store.*: the PostgreSQL history store against a real server (VOLLEY_PG_URL, started
// by scripts/test). Every test stores into its own scratch database (CREATE DATABASE
// volley_hist_<pid>_<n>, dropped after), so tests never see each other's runs and the store's
// first-use migration runs in each. The runs are real run directories (history_runs.hpp), made
// once per process; each test opens its database first, so without VOLLEY_PG_URL it fails at once.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "history/pg_store.hpp"
#include "history_runs.hpp"
#include "reports/hdr_codec.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_access.hpp"

using namespace volley::history;
namespace fs = std::filesystem;

namespace {

std::string require_pg_url() {
    const char* url = std::getenv("VOLLEY_PG_URL");
    if (url == nullptr || *url == '\0') {
        FAIL(
            "VOLLEY_PG_URL is not set: this test needs a real PostgreSQL. Run it through "
            "scripts/test, or `source scripts/services.sh && volley_start_postgres` first.");
    }
    return url;
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
    ScratchDatabase()
        : admin_url_(require_pg_url()),
          name_(fmt::format("volley_hist_{}_{}", ::getpid(), next_number_++)) {
        pqxx::connection connection(admin_url_);
        pqxx::nontransaction tx(connection);
        tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        tx.exec("CREATE DATABASE " + name_);
        url_ = with_database(admin_url_, name_);
    }
    ~ScratchDatabase() {
        try {
            pqxx::connection connection(admin_url_);
            pqxx::nontransaction tx(connection);
            tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception&) {  // a destructor must not throw; the name is unique
        }
    }
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] pqxx::result query(const std::string& sql) const {
        pqxx::connection connection(url_);
        pqxx::nontransaction tx(connection);
        return tx.exec(sql);
    }
    [[nodiscard]] long long count(const std::string& sql) const {
        return query(sql)[0][0].as<long long>();
    }

private:
    static inline std::atomic<int> next_number_{0};
    std::string admin_url_;
    std::string name_;
    std::string url_;
};

// The run directories every test stores: five nights of `nightly` (labels night=1..5), a failing
// night of the same scenario (every answer a 503), the same name at another rate (another hash),
// and another scenario.
struct Runs {
    fs::path root;
    std::vector<fs::path> nights;
    fs::path failing, other_hash, other_name;
};

const Runs& runs() {
    static const Runs made = [] {
        Runs r;
        r.root = fs::temp_directory_path() / fmt::format("volley-pgstore-{}", ::getpid());
        fs::remove_all(r.root);
        testing::FakeRunOptions options;
        options.rate_rps = 150;
        options.duration = "2s";
        for (int night = 1; night <= 5; ++night) {
            options.labels = {{"night", std::to_string(night)}, {"git", "3f2a9c1"}};
            r.nights.push_back(r.root / fmt::format("night-{}", night));
            if (testing::make_run_dir(r.nights.back(), options) != 0)
                throw std::runtime_error("night " + std::to_string(night) + " did not pass");
        }
        options.labels = {{"night", "6"}};  // labels are not part of the scenario's hash
        options.behaviour = [](std::uint64_t) {
            volley::testing::FakeResponse response;
            response.delay = std::chrono::milliseconds(1);
            response.outcome = volley::engine::Outcome::http_5xx;
            response.status = 503;
            return response;
        };
        r.failing = r.root / "failing";
        (void)testing::make_run_dir(r.failing, options);
        options.behaviour = nullptr;
        options.labels = {};
        options.rate_rps = 100;
        options.duration = "1s";
        r.other_hash = r.root / "other-hash";
        testing::make_run_dir(r.other_hash, options);
        options.name = "weekly";
        r.other_name = r.root / "other-name";
        testing::make_run_dir(r.other_name, options);
        return r;
    }();
    // The directories go when the test process ends.
    static const struct RemoveAtExit {
        fs::path root;
        ~RemoveAtExit() {
            std::error_code ignored;
            fs::remove_all(root, ignored);
        }
    } remove_at_exit{made.root};
    return made;
}

std::vector<std::string> ids_of(const RunListing& listing) {
    std::vector<std::string> ids;
    for (const auto& run : listing.runs) ids.push_back(run.id);
    return ids;
}

// The Interval_Compressed_Histogram field (the last one) of every data line of a latency.hlog,
// per series ("" untagged), in order.
std::map<std::string, std::vector<std::string>> hlog_fields(const fs::path& path) {
    std::map<std::string, std::vector<std::string>> fields;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line[0] == '"') continue;
        std::string series;
        if (line.rfind("Tag=", 0) == 0) series = line.substr(4, line.find(',') - 4);
        fields[series].push_back(line.substr(line.rfind(',') + 1));
    }
    return fields;
}

// The ```sql block under "## The 30-night trend" of docs/history-sql.md.
std::string documented_trend_statement() {
    std::ifstream in(fs::path(VOLLEY_SOURCE_DIR) / "docs" / "history-sql.md");
    REQUIRE(in);
    std::string line, statement;
    bool in_section = false, in_block = false;
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) in_section = line == "## The 30-night trend";
        if (!in_section) continue;
        if (!in_block && line == "```sql") {
            in_block = true;
        } else if (in_block && line == "```") {
            break;
        } else if (in_block) {
            statement += line + "\n";
        }
    }
    REQUIRE_FALSE(statement.empty());
    return statement;
}

}  // namespace

TEST_CASE("pg store: five nights list back oldest first with their summary's figures", "[pg]") {
    ScratchDatabase database;
    const auto& r = runs();
    PgHistoryStore store(database.url());
    // Added out of order: the listing orders by started_at, not by id.
    std::map<fs::path, std::string> ids;
    for (const int night : {3, 1, 5, 2, 4})
        ids[r.nights[night - 1]] = store.add(r.nights[night - 1]);

    RunQuery query;
    query.scenario_name = "nightly";
    const auto listing = store.list(query);
    CHECK(listing.skipped.empty());
    REQUIRE(listing.runs.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
        const auto& stored = listing.runs[i];
        const auto expected = read_run_record(r.nights[i]);
        const auto summary = volley::reports::read_summary(r.nights[i]);
        INFO("night " << i + 1);
        CHECK(stored.id == ids[r.nights[i]]);
        CHECK(stored.labels.at("night") == std::to_string(i + 1));
        CHECK(stored.labels == expected.labels);
        CHECK(stored.dir == r.nights[i]);
        CHECK(stored.scenario_name == "nightly");
        CHECK(stored.scenario_hash == expected.scenario_hash);
        CHECK(stored.scenario_type == expected.scenario_type);
        CHECK(stored.started_at == volley::reports::string_at(summary, "started_at"));
        CHECK(stored.started_unix_s == Approx(expected.started_unix_s).margin(1e-6));
        CHECK(stored.duration_s == volley::reports::number_at(summary, "duration_s"));
        CHECK(stored.verdict == "pass");
        CHECK(stored.environment == *volley::reports::object_at(summary, "environment"));
        const auto& figures = stored.figures;
        CHECK(figures.requests ==
              static_cast<std::uint64_t>(*volley::reports::number_at(summary, "totals.requests")));
        CHECK(figures.p50_ms == volley::reports::number_at(summary, "latency_ms.p50"));
        CHECK(figures.p95_ms == volley::reports::number_at(summary, "latency_ms.p95"));
        CHECK(figures.p99_ms == volley::reports::number_at(summary, "latency_ms.p99"));
        CHECK(figures.max_ms == volley::reports::number_at(summary, "latency_ms.max"));
        CHECK(figures.throughput_rps ==
              volley::reports::number_at(summary, "totals.throughput_rps"));
        CHECK(figures.error_rate == volley::reports::number_at(summary, "totals.error_rate"));
        CHECK_FALSE(figures.hit_rate);  // no cache tiers
        if (i > 0) CHECK(listing.runs[i - 1].started_unix_s < stored.started_unix_s);
    }
    // The whole summary is kept for rendering reports again.
    CHECK(database.count(fmt::format(
              "SELECT (summary->'totals'->>'requests')::bigint FROM volley_history.runs "
              "WHERE run_id = {}",
              ids[r.nights[0]])) == static_cast<long long>(listing.runs[0].figures.requests));
}

TEST_CASE("pg store: adding a run twice returns its id and stores it once", "[pg]") {
    ScratchDatabase database;
    const auto& r = runs();
    PgHistoryStore store(database.url());
    const auto first = store.add(r.nights[0]);
    const auto histograms = database.count("SELECT count(*) FROM volley_history.histograms");
    CHECK(histograms > 0);
    CHECK(store.add(r.nights[0]) == first);
    // A second store on the same database (the next night's job) migrates nothing and agrees.
    PgHistoryStore again(database.url());
    CHECK(again.add(r.nights[0]) == first);
    CHECK(database.count("SELECT count(*) FROM volley_history.runs") == 1);
    CHECK(database.count("SELECT count(*) FROM volley_history.histograms") == histograms);
    CHECK(database.count("SELECT count(*) FROM volley_history.schema_migrations") == 1);
}

TEST_CASE("pg store: list filters by scenario name, hash, verdict and the newest N", "[pg]") {
    ScratchDatabase database;
    const auto& r = runs();
    PgHistoryStore store(database.url());
    std::vector<std::string> nights;
    for (const auto& dir : r.nights) nights.push_back(store.add(dir));
    const auto failing = store.add(r.failing);
    const auto other_hash = store.add(r.other_hash);
    const auto other_name = store.add(r.other_name);
    const auto hash = read_run_record(r.nights[0]).scenario_hash;
    REQUIRE(read_run_record(r.failing).verdict == "fail");
    REQUIRE(read_run_record(r.failing).scenario_hash == hash);
    REQUIRE(read_run_record(r.other_hash).scenario_hash != hash);

    RunQuery query;
    query.last = 0;
    CHECK(store.list(query).runs.size() == 8);
    query.scenario_name = "nightly";
    auto expected = nights;
    expected.insert(expected.end(), {failing, other_hash});
    CHECK(ids_of(store.list(query)) == expected);
    query.scenario_hash = hash;
    expected = nights;
    expected.push_back(failing);
    CHECK(ids_of(store.list(query)) == expected);
    query.passing_only = true;
    CHECK(ids_of(store.list(query)) == nights);
    query.last = 2;  // the newest two, oldest first
    CHECK(ids_of(store.list(query)) == std::vector<std::string>{nights[3], nights[4]});
    query = RunQuery{};
    query.scenario_name = "weekly";
    CHECK(ids_of(store.list(query)) == std::vector<std::string>{other_name});
    query.scenario_name = "never-ran";
    CHECK(store.list(query).runs.empty());
}

TEST_CASE("pg store: a stored run's histograms re-aggregate to its own summary", "[pg]") {
    ScratchDatabase database;
    const auto& dir = runs().nights[0];
    PgHistoryStore store(database.url());
    const auto id = store.add(dir);
    const auto stored = store.sample(id);
    const auto original = read_run_sample(dir);
    const auto summary = volley::reports::read_summary(dir);

    CHECK(stored.record.id == id);
    CHECK(stored.record.labels == original.record.labels);
    // Interval rows as summary.json intervals[].
    REQUIRE(stored.intervals.size() == original.intervals.size());
    REQUIRE(stored.intervals.size() >= 2);
    for (std::size_t i = 0; i < stored.intervals.size(); ++i) {
        CHECK(stored.intervals[i].t_s == original.intervals[i].t_s);
        CHECK(stored.intervals[i].length_s == original.intervals[i].length_s);
        CHECK(stored.intervals[i].requests == original.intervals[i].requests);
        CHECK(stored.intervals[i].errors == original.intervals[i].errors);
        CHECK(stored.intervals[i].dropped == original.intervals[i].dropped);
        CHECK(stored.intervals[i].hits == original.intervals[i].hits);
    }
    // summary.json requests[] as series rows (the fake scenario has no journeys or tags).
    const auto& request = volley::reports::array_at(summary, "requests")->at(0).as_object();
    const auto series_rows = database.query(
        fmt::format("SELECT kind, name, requests, errors, p50_ms, p95_ms, p99_ms, max_ms FROM "
                    "volley_history.series WHERE run_id = {}",
                    id));
    REQUIRE(series_rows.size() == 1);
    CHECK(series_rows[0][0].as<std::string>() == "request");
    CHECK(series_rows[0][1].as<std::string>() == "get");
    CHECK(series_rows[0][2].as<double>() == volley::reports::number_at(request, "requests"));
    CHECK(series_rows[0][3].as<double>() == volley::reports::number_at(request, "errors"));
    CHECK(series_rows[0][4].as<double>() == volley::reports::number_at(request, "latency_ms.p50"));
    CHECK(series_rows[0][5].as<double>() == volley::reports::number_at(request, "latency_ms.p95"));
    CHECK(series_rows[0][6].as<double>() == volley::reports::number_at(request, "latency_ms.p99"));
    CHECK(series_rows[0][7].as<double>() == volley::reports::number_at(request, "latency_ms.max"));

    // Every series, every interval: the decoded histogram equals the original bucket for bucket,
    // and the stored text is the latency.hlog line's field exactly.
    const auto fields = hlog_fields(dir / "latency.hlog");
    REQUIRE(stored.latency.size() == original.latency.size());
    REQUIRE(stored.latency.count(kAllRequests) == 1);
    REQUIRE(stored.latency.count("get") == 1);
    for (const auto& [series, intervals] : original.latency) {
        INFO("series \"" << series << "\"");
        const auto& back = stored.latency.at(series);
        REQUIRE(back.size() == intervals.size());
        for (std::size_t i = 0; i < intervals.size(); ++i) {
            CHECK(back[i].start_s == intervals[i].start_s);
            CHECK(back[i].length_s == intervals[i].length_s);
            CHECK(back[i].histogram == intervals[i].histogram);
        }
        const auto rows = database.query(fmt::format(
            "SELECT histogram FROM volley_history.histograms WHERE run_id = {} AND series = '{}' "
            "ORDER BY idx",
            id, series));
        std::vector<std::string> texts;
        for (const auto& row : rows) texts.push_back(row[0].as<std::string>());
        CHECK(texts == fields.at(series));
    }

    // The whole run merged from the stored histograms is the run's latency_ms.
    const auto all =
        merge_window(stored, kAllRequests, 0.0, std::numeric_limits<double>::infinity());
    REQUIRE(all);
    CHECK(static_cast<std::uint64_t>(all->total_count()) == stored.record.figures.requests);
    CHECK(static_cast<double>(all->total_count()) ==
          *volley::reports::number_at(summary, "totals.requests"));
    for (const auto& [percentile, key] :
         {std::pair{50.0, "latency_ms.p50"}, std::pair{99.0, "latency_ms.p99"}}) {
        INFO(key);
        CHECK(all->value_at_percentile(percentile) / 1e6 ==
              Approx(*volley::reports::number_at(summary, key)).epsilon(1e-9));
    }
    CHECK(all->max() / 1e6 ==
          Approx(*volley::reports::number_at(summary, "latency_ms.max")).epsilon(1e-9));

    // One interval (the first: never the merged last one) is summary.json intervals[0].
    const auto& first = stored.intervals[0];
    const auto window = merge_window(stored, kAllRequests, first.t_s, stored.intervals[1].t_s);
    REQUIRE(window);
    const auto& interval_row = volley::reports::array_at(summary, "intervals")->at(0).as_object();
    CHECK(static_cast<std::uint64_t>(window->total_count()) == first.requests);
    CHECK(window->value_at_percentile(99.0) / 1e6 ==
          Approx(*volley::reports::number_at(interval_row, "p99_ms")).epsilon(1e-9));
}

TEST_CASE("pg store: a run is added in one transaction or not at all", "[pg]") {
    ScratchDatabase database;
    const auto& dir = runs().nights[2];
    PgHistoryStore store(database.url());
    // The histograms are written last; make the server refuse them.
    (void)database.query(
        "CREATE FUNCTION volley_history.refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no room for histograms'; END $$; "
        "CREATE TRIGGER refuse BEFORE INSERT ON volley_history.histograms FOR EACH ROW "
        "EXECUTE FUNCTION volley_history.refuse()");
    CHECK_THROWS_AS(store.add(dir), StoreError);
    CHECK_THROWS_WITH(store.add(dir), Catch::StartsWith("history store " + store.location()) &&
                                          Catch::Contains(dir.string()) &&
                                          Catch::Contains("no room for histograms"));
    CHECK(database.count("SELECT count(*) FROM volley_history.runs") == 0);
    CHECK(database.count("SELECT count(*) FROM volley_history.intervals") == 0);
    CHECK(database.count("SELECT count(*) FROM volley_history.series") == 0);
    // Stored later (`volley history add DIR`), it is whole.
    (void)database.query("DROP TRIGGER refuse ON volley_history.histograms");
    const auto id = store.add(dir);
    CHECK(database.count("SELECT count(*) FROM volley_history.histograms WHERE run_id = " + id) >
          0);
    CHECK(store.sample(id).latency.size() == read_run_sample(dir).latency.size());
}

TEST_CASE("pg store: a corrupt stored histogram names the run and series; unknown ids refuse",
          "[pg]") {
    ScratchDatabase database;
    PgHistoryStore store(database.url());
    const auto id = store.add(runs().nights[1]);
    CHECK_THROWS_AS(store.sample("999999"), StoreError);
    CHECK_THROWS_WITH(store.sample("999999"), Catch::Contains("no run with id 999999"));
    CHECK_THROWS_AS(store.sample("night-2"), StoreError);
    // A directory that holds no run is the directory's fault, not the store's.
    const auto empty = runs().root / "not-a-run";
    fs::create_directories(empty);
    CHECK_THROWS_AS(store.add(empty), RunReadError);
    CHECK_THROWS_WITH(store.add(empty), Catch::Contains((empty / "summary.json").string()));
    (void)database.query(fmt::format(
        "UPDATE volley_history.histograms SET histogram = 'HISTFAAAAB' WHERE run_id = {} AND "
        "series = 'get' AND idx = 1",
        id));
    CHECK_THROWS_AS(store.sample(id), RunReadError);
    CHECK_THROWS_WITH(store.sample(id), Catch::Contains(fmt::format("run {}: series \"get\" "
                                                                    "interval 1",
                                                                    id)) &&
                                            Catch::Contains(store.location()));
}

TEST_CASE("pg store: the documented 30-night trend statement returns the stored nights in order",
          "[pg]") {
    ScratchDatabase database;
    const auto& r = runs();
    PgHistoryStore store(database.url());
    for (const int night : {2, 5, 1, 4, 3}) (void)store.add(r.nights[night - 1]);
    (void)store.add(r.other_name);  // another scenario: not in the trend
    RunQuery query;
    query.scenario_name = "nightly";
    const auto listing = store.list(query);

    const auto rows = database.query(documented_trend_statement());
    REQUIRE(rows.size() == listing.runs.size());
    REQUIRE(rows.size() == 5);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        const auto& run = listing.runs[i];
        const auto summary = volley::reports::read_summary(r.nights[i]);
        INFO("row " << i);
        CHECK(row["run_id"].as<std::string>() == run.id);
        CHECK(row["p50_ms"].as<double>() == *volley::reports::number_at(summary, "latency_ms.p50"));
        CHECK(row["p95_ms"].as<double>() == *volley::reports::number_at(summary, "latency_ms.p95"));
        CHECK(row["p99_ms"].as<double>() == *volley::reports::number_at(summary, "latency_ms.p99"));
        CHECK(row["throughput_rps"].as<double>() ==
              *volley::reports::number_at(summary, "totals.throughput_rps"));
        CHECK(row["error_rate"].as<double>() ==
              *volley::reports::number_at(summary, "totals.error_rate"));
        CHECK(row["hit_rate"].is_null());
    }
    // A night older than 30 days leaves the trend.
    (void)database.query(fmt::format(
        "UPDATE volley_history.runs SET started_at = now() - interval '31 days' WHERE run_id = {}",
        listing.runs[0].id));
    CHECK(database.query(documented_trend_statement()).size() == 4);
}

TEST_CASE("pg store: stores opening a fresh database at once migrate it once", "[pg]") {
    // Nightly jobs started by one cron line: without the advisory lock, concurrent CREATE SCHEMA
    // / CREATE TABLE fail with duplicate-key errors in all but one of them.
    ScratchDatabase database;
    constexpr int kStores = 6;
    std::vector<std::string> errors(kStores);
    std::vector<std::thread> openers;
    openers.reserve(kStores);
    for (int i = 0; i < kStores; ++i) {
        openers.emplace_back([&, i] {
            try {
                PgHistoryStore store(database.url());
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(i)] = e.what();
            }
        });
    }
    for (auto& opener : openers) opener.join();
    for (const auto& error : errors) CHECK(error.empty());
    CHECK(database.count("SELECT count(*) FROM volley_history.schema_migrations") == 1);
}

TEST_CASE("pg store: a store that is down fails at once, naming the URL without its password",
          "[pg]") {
    // Port 1 on loopback: nothing listens, the connection is refused.
    const std::string url = "postgresql://volley:s3cret@127.0.0.1:1/history";
    try {
        PgHistoryStore store(url);
        FAIL("the store opened");
    } catch (const StoreError& e) {
        const std::string message = e.what();
        CHECK(message.find("history store postgresql://volley@127.0.0.1:1/history: ") == 0);
        CHECK(message.find("s3cret") == std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("pg store URLs lose their password in messages", "[history]") {
    CHECK(pg_url_without_password("postgresql://u:secret@h:5432/db") == "postgresql://u@h:5432/db");
    CHECK(pg_url_without_password("postgres://u:secret@h/db?password=x&sslmode=require") ==
          "postgres://u@h/db?sslmode=require");
    CHECK(pg_url_without_password("postgresql://u@h/db?password=x") == "postgresql://u@h/db");
    CHECK(pg_url_without_password("postgresql://h/db?sslmode=require") ==
          "postgresql://h/db?sslmode=require");
    CHECK(pg_url_without_password("postgresql://u:p%40ss@h/db") == "postgresql://u@h/db");
    CHECK(pg_url_without_password("postgresql://h:5432/a@b") == "postgresql://h:5432/a@b");
}
