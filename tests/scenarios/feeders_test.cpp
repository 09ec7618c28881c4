#include "scenarios/language/feeders.hpp"
#include "scenarios/language/csv.hpp"
#include "scenarios/language/int_format.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/request_source.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

using namespace volley;
using namespace volley::scenarios;

namespace {

VariableSpec variable(std::string name, VariableSpec::Source source) {
    return VariableSpec{std::move(name), std::move(source)};
}

std::vector<std::string> draw(Feeder& feeder, std::size_t count) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        REQUIRE(feeder.advance());
        out.emplace_back(feeder.value(0));
    }
    return out;
}

}  // namespace

TEST_CASE("csv files parse with RFC 4180 quoting", "[feeders][csv]") {
    const CsvTable table =
        parse_csv("id,text\r\n1,\"a, b\"\r\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n\n");
    CHECK(table.columns == std::vector<std::string>{"id", "text"});
    REQUIRE(table.rows.size() == 3);
    CHECK(table.rows[0][1] == "a, b");
    CHECK(table.rows[1][1] == "say \"hi\"");
    CHECK(table.rows[2][1] == "two\nlines");
    CHECK(parse_csv("a\n\"\"\n").rows.at(0).at(0).empty());

    CHECK_THROWS_WITH(parse_csv("a,b\n1\n"), Catch::Contains("line 2: 1 field, the header has 2"));
    CHECK_THROWS_WITH(parse_csv("a,b\n\"1,2\n"), Catch::Contains("unclosed quote"));
    CHECK_THROWS_WITH(parse_csv("a,a\n1,2\n"), Catch::Contains("duplicate column 'a'"));
    CHECK_THROWS_WITH(parse_csv("a,b\n"), Catch::Contains("no data rows"));
    CHECK_THROWS_WITH(parse_csv(""), Catch::Contains("empty file"));
}

TEST_CASE("csv files may start with a UTF-8 byte-order mark (Excel's CSV UTF-8)",
          "[feeders][csv]") {
    const CsvTable table = parse_csv(
        "\xEF\xBB\xBFname,note\r\nalice,caf\xC3\xA9\r\nbob,\"two\nlines\"\r\ncarol,c\r\n");
    CHECK(table.columns == std::vector<std::string>{"name", "note"});
    REQUIRE(table.rows.size() == 3);
    CHECK(table.rows[0][1] == "caf\xC3\xA9");
    // Each row knows the line it starts on (for messages about its values).
    CHECK(table.row_lines == std::vector<std::size_t>{2, 3, 5});
}

TEST_CASE("integer formats render like printf without printf", "[feeders]") {
    std::string out;
    IntFormat("entity_%06d").append(out, 42);
    CHECK(out == "entity_000042");
    out.clear();
    IntFormat("%d").append(out, -7);
    CHECK(out == "-7");
    out.clear();
    IntFormat("[%-4d]").append(out, 12);
    CHECK(out == "[12  ]");
    out.clear();
    IntFormat("%5i%%").append(out, 3);
    CHECK(out == "    3%");
    out.clear();
    IntFormat("%04d").append(out, -5);
    CHECK(out == "-005");
    CHECK_THROWS_WITH(IntFormat("entity_%s"), Catch::Contains("only integer conversions"));
    CHECK_THROWS_WITH(IntFormat("%d-%d"), Catch::Contains("more than one"));
    CHECK_THROWS_WITH(IntFormat("plain"), Catch::Contains("no %d"));
}

TEST_CASE("zipf ranks follow the law (chi-square over the top ranks)", "[feeders][zipf]") {
    // Fixed seed, 10^6 samples. Buckets: ranks 1..20 individually plus "21..n". The statistic
    // has 20 degrees of freedom; 45.3 is its 0.1% critical value. The top 5 ranks must also be
    // within 2% of their expected frequency (their standard error is below 0.5%).
    for (const double s : {0.8, 1.0, 1.3}) {
        INFO("s = " << s);
        constexpr std::uint64_t n = 1000;
        constexpr std::size_t samples = 1'000'000;
        constexpr std::size_t top = 20;
        ZipfSampler sampler(n, s);
        Random random(12345);
        std::vector<double> observed(top + 1, 0);
        std::size_t out_of_range = 0;
        for (std::size_t i = 0; i < samples; ++i) {
            const std::uint64_t rank = sampler.sample(random);
            if (rank < 1 || rank > n) {
                ++out_of_range;
                continue;
            }
            observed[std::min<std::uint64_t>(rank, top + 1) - 1] += 1;
        }
        REQUIRE(out_of_range == 0);
        double chi_square = 0;
        double top_probability = 0;
        for (std::size_t k = 1; k <= top + 1; ++k) {
            double p = 0;
            if (k <= top) {
                p = ZipfSampler::probability(k, n, s);
                top_probability += p;
            } else {
                p = 1 - top_probability;
            }
            const double expected = p * samples;
            chi_square += (observed[k - 1] - expected) * (observed[k - 1] - expected) / expected;
            if (k <= 5) CHECK(std::abs(observed[k - 1] - expected) / expected < 0.02);
        }
        CHECK(chi_square < 45.3);
    }
}

TEST_CASE("zipf works for huge n without a table", "[feeders][zipf]") {
    ZipfSampler sampler(1'000'000'000'000ULL, 1.1);
    Random random(7);
    std::uint64_t ones = 0, out_of_range = 0, beyond_million = 0;
    for (int i = 0; i < 10000; ++i) {
        const auto rank = sampler.sample(random);
        out_of_range += rank < 1 || rank > 1'000'000'000'000ULL;
        ones += rank == 1;
        beyond_million += rank > 1'000'000;
    }
    CHECK(out_of_range == 0);
    CHECK(ones > 0);
    CHECK(beyond_million > 0);  // the tail is reached: no table truncates it
}

TEST_CASE("a zipf variable renders ids through its format", "[feeders][zipf]") {
    const auto feeder =
        make_feeder(variable("id", ZipfFeeder{10000, 1.0, 0, "entity_%06d"}), 1, 0, 1);
    std::map<std::string, int> counts;
    for (const auto& value : draw(*feeder, 5000)) {
        REQUIRE(value.size() == 13);
        REQUIRE(value.rfind("entity_", 0) == 0);
        ++counts[value];
    }
    // Rank 1 (entity_000000) is the most frequent value.
    const auto most =
        std::max_element(counts.begin(), counts.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    CHECK(most->first == "entity_000000");
}

TEST_CASE("a csv unique feeder never repeats a row across 2 workers", "[feeders][csv]") {
    auto table = std::make_shared<CsvTable>();
    table->columns = {"user", "token"};
    for (int i = 0; i < 1001; ++i) {
        table->rows.push_back({"user" + std::to_string(i), "t" + std::to_string(i)});
    }
    Plan plan;
    plan.variables = {variable("u", CsvFeeder{"users.csv", table, "", FeederMode::unique})};
    RequestSpec request;
    request.name = "login";
    request.path = "/login/${u}?token=${u.token}";
    plan.requests = {request};

    std::set<std::string> seen;
    std::size_t total = 0;
    for (std::size_t worker = 0; worker < 2; ++worker) {
        TemplatedRequestSource source(plan, worker, 2);
        engine::PreparedRequest out;
        while (source.next(out)) {
            const std::string target(out.target);
            // Both columns come from the same row.
            const auto user = target.substr(7, target.find('?') - 7);
            CHECK(target.substr(target.find('=') + 1) == "t" + user.substr(4));
            CHECK(seen.insert(target).second);
            ++total;
        }
        CHECK_THAT(source.exhausted_reason(),
                   Catch::Contains("users.csv (unique mode) has no rows left"));
        CHECK_FALSE(source.next(out));  // stays exhausted
    }
    CHECK(total == 1001);
    CHECK(seen.size() == 1001);
}

TEST_CASE("sequential and random csv feeders cycle through the rows", "[feeders][csv]") {
    const Plan plan = load_plan_from_string(
        R"(
target: {http: {base_url: "http://x:1"}}
load: {rate: 1/s, duration: 1s}
variables:
  user: {type: csv, file: ../data/users.csv, column: password}
requests: [{path: "/u/${user.name}/${user}"}]
)",
        std::string(VOLLEY_FIXTURES_DIR) + "/scenarios/valid/inline.yaml", {});
    TemplatedRequestSource source(plan, 0, 1);
    engine::PreparedRequest out;
    std::vector<std::string> targets;
    for (int i = 0; i < 7; ++i) {
        REQUIRE(source.next(out));
        targets.emplace_back(out.target);
    }
    CHECK(targets[0] == "/u/alice/se%2Ccret");  // values are percent-encoded in the path
    CHECK(targets[2] == "/u/carol/say%20%22hi%22");
    CHECK(targets[6] == targets[0]);  // 6 rows, then again
}

TEST_CASE("range, list, counter and uuid feeders", "[feeders]") {
    SECTION("range cycles; workers interleave") {
        const RangeFeeder range{1, 9, 2, FeederMode::sequential};
        CHECK(draw(*make_feeder(variable("r", range), 1, 0, 1), 6) ==
              std::vector<std::string>{"1", "3", "5", "7", "9", "1"});
        CHECK(draw(*make_feeder(variable("r", range), 1, 1, 2), 3) ==
              std::vector<std::string>{"3", "7", "1"});
        const RangeFeeder down{5, 1, -2, FeederMode::random};
        for (const auto& value : draw(*make_feeder(variable("r", down), 1, 0, 1), 50)) {
            CHECK((value == "5" || value == "3" || value == "1"));
        }
    }
    SECTION("list") {
        const ListFeeder list{{"red", "green", "blue"}, FeederMode::sequential};
        CHECK(draw(*make_feeder(variable("c", list), 1, 0, 1), 4) ==
              std::vector<std::string>{"red", "green", "blue", "red"});
    }
    SECTION("counters are unique across workers") {
        const CounterFeeder counter{100, 1, "order-%d"};
        std::set<std::string> all;
        for (std::size_t worker = 0; worker < 3; ++worker) {
            for (const auto& value :
                 draw(*make_feeder(variable("n", counter), 1, worker, 3), 100)) {
                CHECK(all.insert(value).second);
            }
        }
        CHECK(all.count("order-100") == 1);
        CHECK(all.count("order-399") == 1);
    }
    SECTION("uuids are version 4 and distinct") {
        std::set<std::string> all;
        for (const auto& value : draw(*make_feeder(variable("id", UuidFeeder{}), 9, 0, 1), 1000)) {
            REQUIRE(value.size() == 36);
            CHECK(value[8] == '-');
            CHECK(value[14] == '4');
            CHECK(std::string("89ab").find(value[19]) != std::string::npos);
            CHECK(all.insert(value).second);
        }
    }
    SECTION("the same seed gives the same values, another seed others") {
        const ZipfFeeder zipf{100000, 1.0, 0, "%d"};
        const auto a = draw(*make_feeder(variable("z", zipf), 5, 0, 1), 200);
        const auto b = draw(*make_feeder(variable("z", zipf), 5, 0, 1), 200);
        const auto c = draw(*make_feeder(variable("z", zipf), 6, 0, 1), 200);
        CHECK(a == b);
        CHECK(a != c);
    }
}
