// observe/redis_source.*: the URL parser on its own, then the source against a real Redis
// (VOLLEY_REDIS_URL, started by scripts/test or `source scripts/services.sh; volley_start_redis`;
// the [redis] cases skip with a warning without it). The test drives the load itself through its
// own hiredis connection, so the deltas it expects are exact: nothing else talks to the server
// (ctest runs the cases one at a time). Keys are prefixed with the test's pid.
#include <catch2/catch.hpp>

#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "observe/redis_source.hpp"

using namespace volley::observe;
using volley::reports::ObservedKind;
using volley::reports::ObservedValue;

namespace {

// The server's URL; without it, a warning that the case is skipped.
std::optional<std::string> redis_url() {
    const char* url = std::getenv("VOLLEY_REDIS_URL");
    if (url == nullptr || *url == '\0') {
        WARN(
            "SKIPPED: VOLLEY_REDIS_URL is not set (source scripts/services.sh; "
            "volley_start_redis)");
        return std::nullopt;
    }
    return std::string(url);
}

// The test's own connection: the load the source must see.
class TestRedis {
public:
    explicit TestRedis(const std::string& url) {
        const RedisAddress address = parse_redis_address(url);
        context_ = redisConnect(address.host.c_str(), address.port);
        REQUIRE(context_ != nullptr);
        REQUIRE(context_->err == 0);
    }
    ~TestRedis() { redisFree(context_); }
    TestRedis(const TestRedis&) = delete;
    TestRedis& operator=(const TestRedis&) = delete;

    // Runs a command; returns its integer answer, or the length of an array answer.
    long long run(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& arg : args) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        auto* reply = static_cast<redisReply*>(
            redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
        REQUIRE(reply != nullptr);
        INFO(args.front() << ": " << (reply->str != nullptr ? reply->str : ""));
        REQUIRE(reply->type != REDIS_REPLY_ERROR);
        const long long answer = reply->type == REDIS_REPLY_ARRAY
                                     ? static_cast<long long>(reply->elements)
                                     : reply->integer;
        freeReplyObject(reply);
        return answer;
    }

private:
    redisContext* context_ = nullptr;
};

const ObservedValue* find(const SourceSample& sample, const std::string& series) {
    const auto found = std::find_if(sample.values.begin(), sample.values.end(),
                                    [&](const ObservedValue& v) { return v.series == series; });
    return found == sample.values.end() ? nullptr : &*found;
}

SampleContext interval(double seconds) { return SampleContext{seconds, 0, {}, {}}; }

std::string prefix() { return fmt::format("volley-obs-{}", ::getpid()); }

}  // namespace

TEST_CASE("redis URLs: host, port, password and database; a bad one is named") {
    const RedisAddress plain = parse_redis_address("redis://127.0.0.1");
    CHECK(plain.host == "127.0.0.1");
    CHECK(plain.port == 6379);
    CHECK(plain.password.empty());
    CHECK(plain.db == 0);
    const RedisAddress full = parse_redis_address("redis://:s%40cret@cache.local:6380/3");
    CHECK(full.host == "cache.local");
    CHECK(full.port == 6380);
    CHECK(full.password == "s@cret");
    CHECK(full.db == 3);
    CHECK(full.host_port() == "cache.local:6380");
    CHECK_THROWS_WITH(parse_redis_address("http://127.0.0.1:6379"),
                      Catch::Contains("'http://127.0.0.1:6379'") && Catch::Contains("redis://"));
    CHECK_THROWS_WITH(parse_redis_address("redis://127.0.0.1:6379/zero"),
                      Catch::Contains("database number 'zero'"));
    CHECK_THROWS_WITH(parse_redis_address("redis://127.0.0.1:99999"), Catch::Contains("port"));

    // The factory never throws; the bad URL fails each sample instead.
    auto source = make_redis_source(RedisSourceSpec{"redis//nowhere", {}, 10, 10},
                                    std::chrono::milliseconds(200));
    CHECK(source->name() == "redis");
    CHECK_THROWS_AS(source->sample(interval(0)), SourceError);
    CHECK_THROWS_WITH(source->sample(interval(0)), Catch::Contains("redis//nowhere"));
}

TEST_CASE("redis source: the hit rate and ops are the load's own, exactly", "[redis]") {
    const auto url = redis_url();
    if (!url) return;
    TestRedis redis(*url);
    const std::string hits_prefix = prefix() + ":hit:";
    for (int i = 0; i < 10; ++i) redis.run({"SET", hits_prefix + std::to_string(i), "v"});
    // A key pattern makes the source look keys up itself (SCAN, PTTL): that must not count.
    auto source = make_redis_source(RedisSourceSpec{*url, {hits_prefix + "*"}, 100000, 200},
                                    std::chrono::milliseconds(2000));

    const SourceSample baseline = source->sample(interval(0));
    CHECK(find(baseline, "redis.hit_rate") == nullptr);  // counters need a second sample
    CHECK(find(baseline, "redis.ops") == nullptr);
    REQUIRE(find(baseline, "redis.used_memory") != nullptr);
    CHECK(find(baseline, "redis.used_memory")->point.num > 0);
    REQUIRE(find(baseline, "redis.connected_clients") != nullptr);
    CHECK(find(baseline, "redis.connected_clients")->point.num >= 2);  // the test's and its own

    const int hits = 37;
    const int misses = 13;
    for (int i = 0; i < hits; ++i) redis.run({"GET", hits_prefix + std::to_string(i % 10)});
    for (int i = 0; i < misses; ++i) redis.run({"GET", prefix() + ":missing:" + std::to_string(i)});
    const SourceSample loaded = source->sample(interval(2.0));
    const ObservedValue* hit_rate = find(loaded, "redis.hit_rate");
    REQUIRE(hit_rate != nullptr);
    CHECK(hit_rate->kind == ObservedKind::ratio);
    CHECK(hit_rate->point.num == hits);
    CHECK(hit_rate->point.den == hits + misses);
    const ObservedValue* ops = find(loaded, "redis.ops");
    REQUIRE(ops != nullptr);
    CHECK(ops->kind == ObservedKind::rate);
    CHECK(ops->unit == "1/s");
    CHECK(ops->point.num == hits + misses);
    CHECK(ops->point.den == 2.0);
    CHECK(find(loaded, "redis.evicted_keys") != nullptr);
    CHECK(find(loaded, "redis.expired_keys") != nullptr);

    const SourceSample idle = source->sample(interval(1.0));  // nothing happened
    REQUIRE(find(idle, "redis.hit_rate") != nullptr);
    CHECK(find(idle, "redis.hit_rate")->point.den == 0);
    CHECK(find(idle, "redis.ops")->point.num == 0);
}

TEST_CASE("redis source: key counts and TTLs per pattern, a cut SCAN noted once", "[redis]") {
    const auto url = redis_url();
    if (!url) return;
    TestRedis redis(*url);
    const std::string ttl_prefix = prefix() + ":ttl:";
    for (int i = 1; i <= 10; ++i) {  // TTLs 100 s, 200 s, … 1000 s
        redis.run({"SET", ttl_prefix + std::to_string(i), "v", "EX", std::to_string(100 * i)});
    }
    for (int i = 0; i < 5; ++i) redis.run({"SET", ttl_prefix + "forever" + std::to_string(i), "v"});
    const std::string many_prefix = prefix() + ":many:";
    for (int i = 0; i < 300; ++i) redis.run({"SET", many_prefix + std::to_string(i), "v"});

    SECTION("counts and TTL quantiles") {
        auto source = make_redis_source(
            RedisSourceSpec{*url, {ttl_prefix + "*", prefix() + ":none:*"}, 100000, 200},
            std::chrono::milliseconds(2000));
        const SourceSample sample = source->sample(interval(0));
        const std::string label = "{pattern:" + ttl_prefix + "*}";
        REQUIRE(find(sample, "redis.keys" + label) != nullptr);
        CHECK(find(sample, "redis.keys" + label)->point.num == 15);
        REQUIRE(find(sample, "redis.no_ttl_share" + label) != nullptr);
        CHECK(find(sample, "redis.no_ttl_share" + label)->point.num == Approx(5.0 / 15.0));
        REQUIRE(find(sample, "redis.ttl_p50" + label) != nullptr);
        CHECK(find(sample, "redis.ttl_p50" + label)->unit == "seconds");
        // Nearest rank over the 10 keys with a TTL: the 5th (500 s) and the 9th (900 s), less
        // the seconds since they were set.
        CHECK(find(sample, "redis.ttl_p50" + label)->point.num == Approx(500).margin(5));
        CHECK(find(sample, "redis.ttl_p90" + label)->point.num == Approx(900).margin(5));
        const std::string none = "{pattern:" + prefix() + ":none:*}";
        REQUIRE(find(sample, "redis.keys" + none) != nullptr);
        CHECK(find(sample, "redis.keys" + none)->point.num == 0);
        CHECK(find(sample, "redis.ttl_p50" + none) == nullptr);
        CHECK(find(sample, "redis.no_ttl_share" + none) == nullptr);
        CHECK(sample.notes.empty());
    }
    SECTION("TTLs of at most key_sample keys") {
        auto source = make_redis_source(RedisSourceSpec{*url, {ttl_prefix + "*"}, 100000, 4},
                                        std::chrono::milliseconds(2000));
        const SourceSample sample = source->sample(interval(0));
        const std::string label = "{pattern:" + ttl_prefix + "*}";
        CHECK(find(sample, "redis.keys" + label)->point.num == 15);  // counted: all
        // A share of 4 keys (k/4), not of the 15 (5/15 would be 1/3).
        const double share = find(sample, "redis.no_ttl_share" + label)->point.num;
        CHECK(share * 4 == Approx(std::round(share * 4)));
    }
    SECTION("scan_limit bounds SCAN; the cut is said once") {
        // In a database of their own: with other tests' keys beside them, 20 visited slots may
        // hold none of the 300 keys.
        redis.run({"SELECT", "4"});
        redis.run({"FLUSHDB"});
        for (int i = 0; i < 300; ++i) redis.run({"SET", many_prefix + std::to_string(i), "v"});
        redis.run({"SELECT", "0"});
        auto source = make_redis_source(RedisSourceSpec{*url + "/4", {many_prefix + "*"}, 20, 200},
                                        std::chrono::milliseconds(2000));
        const SourceSample first = source->sample(interval(0));
        const double counted = find(first, "redis.keys{pattern:" + many_prefix + "*}")->point.num;
        CHECK(counted > 0);
        CHECK(counted < 300);
        REQUIRE(first.notes.size() == 1);
        CHECK_THAT(first.notes[0],
                   Catch::Contains(many_prefix + "*") && Catch::Contains("scan_limit (20)"));
        const SourceSample second = source->sample(interval(1));
        CHECK(second.notes.empty());
        redis.run({"SELECT", "4"});
        redis.run({"FLUSHDB"});
        redis.run({"SELECT", "0"});
    }
    SECTION("the URL's database is SELECTed") {
        redis.run({"SELECT", "3"});
        redis.run({"SET", prefix() + ":db3", "v"});
        auto in_db3 =
            make_redis_source(RedisSourceSpec{*url + "/3", {prefix() + ":*"}, 100000, 200},
                              std::chrono::milliseconds(2000));
        CHECK(find(in_db3->sample(interval(0)), "redis.keys{pattern:" + prefix() + ":*}")
                  ->point.num == 1);
        redis.run({"FLUSHDB"});
        redis.run({"SELECT", "0"});
    }
}

TEST_CASE("redis source: a refused address fails the sample, naming it, within the timeout",
          "[redis]") {
    // No server needed: port 1 of loopback refuses.
    auto source = make_redis_source(RedisSourceSpec{"redis://127.0.0.1:1", {}, 100, 10},
                                    std::chrono::milliseconds(500));
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(source->sample(interval(0)),
                      Catch::Contains("redis 127.0.0.1:1") && Catch::Contains("cannot connect"));
    // Bounded (no hang), not a speed figure: a refused connect is immediate.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("redis source: a dropped connection fails one sample; the next is a new baseline",
          "[redis]") {
    const auto url = redis_url();
    if (!url) return;
    TestRedis redis(*url);
    auto source =
        make_redis_source(RedisSourceSpec{*url, {}, 100, 10}, std::chrono::milliseconds(2000));
    (void)source->sample(interval(0));
    CHECK(find(source->sample(interval(1)), "redis.hit_rate") != nullptr);
    redis.run({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});  // the source's connection
    CHECK_THROWS_AS(source->sample(interval(1)), SourceError);
    const SourceSample again = source->sample(interval(1));
    CHECK(find(again, "redis.hit_rate") == nullptr);  // a new baseline
    CHECK(find(again, "redis.used_memory") != nullptr);
    redis.run({"GET", prefix() + ":missing"});
    const SourceSample after = source->sample(interval(1));
    REQUIRE(find(after, "redis.hit_rate") != nullptr);
    CHECK(find(after, "redis.hit_rate")->point.den == 1);
}
