// The replay timeline (speed, loop, from/to, max_gap, reorder window, worker shares), the
// selection (filters, deterministic sample) and the rewrites and route names.
#include "replay/readers.hpp"
#include "replay/reorder_buffer.hpp"
#include "replay/replay_run.hpp"
#include "replay/replay_stream.hpp"
#include "replay/rewrite.hpp"
#include "replay/support.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace std::chrono_literals;
using namespace volley;
using namespace volley::replay;
using namespace volley::replay_test;
using engine::Nanos;

namespace {

constexpr std::int64_t kT0 = 1760104536'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

struct Placed {
    Nanos start{0};
    std::uint32_t name = 0;
    std::string method, target, headers, body;
    std::uint64_t lane = 0;
};

// Plays a stream to its end: every start with the request drawn for it.
std::vector<Placed> play(const ReplaySpec& spec, std::size_t worker = 0, std::size_t workers = 1,
                         std::uint64_t seed = 1, CaptureCounts* counts = nullptr) {
    ReplayStream stream(
        spec, [&spec] { return make_jsonl_reader(spec.file, false); }, seed, worker, workers);
    std::vector<Placed> out;
    while (const auto start = stream.next_start()) {
        engine::PreparedRequest request;
        REQUIRE(stream.next_request(stream.lane(), request));
        out.push_back({*start, request.name_index, std::string(request.method),
                       std::string(request.target), std::string(request.headers),
                       std::string(request.body), stream.lane()});
    }
    engine::PreparedRequest none;
    CHECK_FALSE(stream.next_request(0, none));
    if (counts) *counts = stream.first_pass();
    return out;
}

// A JSONL capture with one record per (ms offset, path).
std::string capture(const std::vector<std::pair<std::int64_t, std::string>>& records) {
    std::string text;
    for (const auto& [ms, path] : records) text += jsonl_line(kT0 + ms * kMs, path);
    return text;
}

std::vector<std::int64_t> starts_ms(const std::vector<Placed>& placed) {
    std::vector<std::int64_t> out;
    for (const auto& p : placed)
        out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(p.start).count());
    return out;
}

std::vector<std::string> targets(const std::vector<Placed>& placed) {
    std::vector<std::string> out;
    for (const auto& p : placed) out.push_back(p.target);
    return out;
}

}  // namespace

TEST_CASE("intended starts are (ts - ts_first) / speed") {
    TempFile file("c.jsonl", capture({{0, "/a"}, {100, "/b"}, {250, "/c"}, {1000, "/d"}}));
    ReplaySpec spec;
    spec.file = file.path();
    CHECK(starts_ms(play(spec)) == std::vector<std::int64_t>{0, 100, 250, 1000});
    spec.speed = 4;
    const auto fast = play(spec);
    CHECK(starts_ms(fast) == std::vector<std::int64_t>{0, 25, 62, 250});
    CHECK(fast[2].start == Nanos{62'500'000});
    spec.speed = 0.5;
    CHECK(starts_ms(play(spec)) == std::vector<std::int64_t>{0, 200, 500, 2000});
}

TEST_CASE("the reorder window sorts out-of-order records; older ones are late and sent at once") {
    TempFile file("c.jsonl", capture({{0, "/a"}, {300, "/c"}, {200, "/b"}, {400, "/d"}}));
    ReplaySpec spec;
    spec.file = file.path();
    CaptureCounts counts;
    auto placed = play(spec, 0, 1, 1, &counts);
    CHECK(targets(placed) == std::vector<std::string>{"/a", "/b", "/c", "/d"});
    CHECK(starts_ms(placed) == std::vector<std::int64_t>{0, 200, 300, 400});
    CHECK(counts.late == 0);

    TempFile late_file("c.jsonl", capture({{0, "/a"}, {500, "/b"}, {1000, "/c"}, {200, "/late"}}));
    spec.file = late_file.path();
    spec.reorder_window = 100ms;
    placed = play(spec, 0, 1, 1, &counts);
    CHECK(targets(placed) == std::vector<std::string>{"/a", "/b", "/late", "/c"});
    CHECK(starts_ms(placed) == std::vector<std::int64_t>{0, 500, 500, 1000});  // late: at once
    CHECK(counts.late == 1);
}

TEST_CASE("the reorder buffer holds at most max_records") {
    ReorderBuffer buffer(std::chrono::hours(1), 2);
    for (std::int64_t ts : {30, 10, 20}) {
        ReplayRecord record;
        record.ts_ns = ts;
        buffer.push(std::move(record));
    }
    ReplayRecord out;
    REQUIRE(buffer.pop_ready(out));  // three held, two allowed: the earliest goes
    CHECK(out.ts_ns == 10);
    CHECK_FALSE(buffer.pop_ready(out));
    REQUIRE(buffer.pop_any(out));
    CHECK(out.ts_ns == 20);
}

TEST_CASE("from/to slice the capture by capture time; max_gap shortens idle gaps") {
    std::vector<std::pair<std::int64_t, std::string>> records;
    for (int s = 0; s < 10; ++s) records.emplace_back(s * 1000, "/s" + std::to_string(s));
    TempFile file("c.jsonl", capture(records));
    ReplaySpec spec;
    spec.file = file.path();
    spec.from = 2s;
    spec.to = 5s;
    CaptureCounts counts;
    const auto placed = play(spec, 0, 1, 1, &counts);
    CHECK(targets(placed) == std::vector<std::string>{"/s2", "/s3", "/s4"});
    CHECK(starts_ms(placed) == std::vector<std::int64_t>{0, 1000, 2000});
    CHECK(counts.before_from == 2);
    CHECK(counts.stopped_at_to);

    TempFile gaps("g.jsonl", capture({{0, "/a"}, {1000, "/b"}, {61000, "/c"}, {62000, "/d"}}));
    ReplaySpec compressed;
    compressed.file = gaps.path();
    compressed.max_gap = 5s;
    compressed.speed = 2;
    CHECK(starts_ms(play(compressed)) == std::vector<std::int64_t>{0, 500, 3000, 3500});
}

TEST_CASE("loop: each pass starts one span plus one mean gap after the previous one") {
    TempFile file("c.jsonl", capture({{0, "/a"}, {1000, "/b"}, {2000, "/c"}}));
    ReplaySpec spec;
    spec.file = file.path();
    spec.loop = 3;
    spec.speed = 2;
    const auto placed = play(spec);
    CHECK(starts_ms(placed) ==
          std::vector<std::int64_t>{0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000});
    CHECK(targets(placed)[3] == "/a");
}

TEST_CASE("workers share the records, each sent once, on one common timeline") {
    std::vector<std::pair<std::int64_t, std::string>> records;
    for (int i = 0; i < 60; ++i) records.emplace_back(i * 37, "/r" + std::to_string(i));
    TempFile file("c.jsonl", capture(records));
    ReplaySpec spec;
    spec.file = file.path();
    spec.loop = 2;
    spec.max_gap = 20ms;  // compression must see every worker's records to agree
    const auto alone = play(spec);
    REQUIRE(alone.size() == 120);
    std::multiset<std::pair<std::int64_t, std::string>> expected, shared;
    for (const auto& p : alone) expected.emplace(p.start.count(), p.target);
    std::size_t smallest = alone.size();
    for (std::size_t worker = 0; worker < 3; ++worker) {
        const auto share = play(spec, worker, 3);
        smallest = std::min(smallest, share.size());
        for (std::size_t i = 1; i < share.size(); ++i) CHECK(share[i].start >= share[i - 1].start);
        for (const auto& p : share) shared.emplace(p.start.count(), p.target);
    }
    CHECK(shared == expected);
    CHECK(smallest >= 20);  // 40 each on average; a hash of the position, not chance per run
}

TEST_CASE("per_connection: a connection's records stay with one worker and carry its lane") {
    std::string text;
    for (int i = 0; i < 40; ++i) {
        const std::string key = "10.0.0.1:" + std::to_string(5000 + i % 5);
        text += "{\"ts\": " + std::to_string(kT0 + i * 10 * kMs) + ", \"path\": \"/k" +
                std::to_string(i % 5) + "/" + std::to_string(i) + "\", \"connection\": \"" + key +
                "\"}\n";
    }
    text += jsonl_line(kT0 + 400 * kMs, "/none");
    TempFile file("c.jsonl", text);
    ReplaySpec spec;
    spec.file = file.path();
    spec.per_connection = true;
    std::map<std::string, std::set<std::size_t>> workers_of;  // "/k3" -> workers that sent it
    std::size_t total = 0;
    for (std::size_t worker = 0; worker < 3; ++worker) {
        for (const auto& p : play(spec, worker, 3)) {
            ++total;
            const std::string connection = p.target.substr(0, p.target.find('/', 1));
            workers_of[connection].insert(worker);
            const int k = connection == "/none" ? -1 : connection[2] - '0';
            CHECK(p.lane == (k < 0 ? 0 : connection_id("10.0.0.1:" + std::to_string(5000 + k))));
        }
    }
    CHECK(total == 41);
    for (const auto& [connection, workers] : workers_of) CHECK(workers.size() == 1);
    spec.per_connection = false;  // without it the lanes are 0 and a connection is shared out
    std::set<std::size_t> workers_of_k0;
    for (std::size_t worker = 0; worker < 3; ++worker) {
        for (const auto& p : play(spec, worker, 3)) {
            CHECK(p.lane == 0);
            if (p.target.rfind("/k0/", 0) == 0) workers_of_k0.insert(worker);
        }
    }
    CHECK(workers_of_k0.size() > 1);
}

TEST_CASE("sampling keeps the same share of records on every run, and others with another seed") {
    std::vector<std::pair<std::int64_t, std::string>> records;
    for (int i = 0; i < 2000; ++i) records.emplace_back(i, "/r" + std::to_string(i));
    TempFile file("c.jsonl", capture(records));
    ReplaySpec spec;
    spec.file = file.path();
    spec.sample_ratio = 0.1;
    const auto once = targets(play(spec, 0, 1, 7));
    const auto again = targets(play(spec, 0, 1, 7));
    const auto other = targets(play(spec, 0, 1, 8));
    CHECK(once == again);
    CHECK(once != other);
    // 2000 draws at 10%: 200 expected, sd 13.4; this seed's draw, not chance, decides.
    CHECK(once.size() > 150);
    CHECK(once.size() < 250);
    // A worker's share of a sampled capture is a subset of the whole.
    const auto half = targets(play(spec, 1, 2, 7));
    const std::set<std::string> all(once.begin(), once.end());
    for (const auto& target : half) CHECK(all.count(target) == 1);
}

TEST_CASE("method and path filters") {
    std::string text = jsonl_line(kT0, "/api/a", "GET") + jsonl_line(kT0 + kMs, "/api/b", "POST") +
                       jsonl_line(kT0 + 2 * kMs, "/static/logo.png", "GET") +
                       jsonl_line(kT0 + 3 * kMs, "/other", "POST");
    TempFile file("c.jsonl", text);
    ReplaySpec spec;
    spec.file = file.path();
    spec.methods = {"POST"};
    CaptureCounts counts;
    CHECK(targets(play(spec, 0, 1, 1, &counts)) == std::vector<std::string>{"/api/b", "/other"});
    CHECK(counts.filtered == 2);
    spec.methods.clear();
    spec.include_paths = {"^/api/", "\\.png$"};
    spec.exclude_paths = {"/b$"};
    CHECK(targets(play(spec)) == std::vector<std::string>{"/api/a", "/static/logo.png"});
    // The first kept record is the timeline's zero.
    spec.include_paths = {"^/other"};
    CHECK(starts_ms(play(spec)) == std::vector<std::int64_t>{0});
}

TEST_CASE("route patterns") {
    CHECK(route_matches("/entities/*/ancestors", "/entities/42/ancestors"));
    CHECK(route_matches("/entities/*/ancestors", "/entities/42/ancestors?depth=2"));
    CHECK_FALSE(route_matches("/entities/*/ancestors", "/entities/42/x/ancestors"));
    CHECK_FALSE(route_matches("/entities/*/ancestors", "/entities//ancestors"));
    CHECK(route_matches("/entities/**", "/entities"));
    CHECK(route_matches("/entities/**", "/entities/1/2/3"));
    CHECK(route_matches("/**/count", "/a/b/count"));
    CHECK_FALSE(route_matches("/entities", "/entities/1"));
    CHECK(check_route_pattern("/a/*/b") == "");
    CHECK(check_route_pattern("/a/x*/b") != "");
    CHECK(check_route_pattern("a/b") != "");
}

TEST_CASE(
    "rewrites: path regexes, header set and remove; framing headers never copied; route names") {
    ReplaySpec spec;
    spec.rewrite_paths = {{"^/v1/", "/v2/"}};
    spec.set_headers = {{"X-Replay", "1"}, {"user-agent", "volley-replay"}};
    spec.remove_headers = {"cookie"};
    spec.routes = {{"ancestors", "/v2/entities/*/ancestors", ""},
                   {"writes", "/v2/entities/**", "POST"}};
    const RequestRewriter rewriter(spec);
    ReplayRecord record;
    record.method = "GET";
    record.target = "/v1/entities/7/ancestors?depth=1";
    record.headers = {
        {"Host", "old.example"},      {"User-Agent", "curl"},  {"Cookie", "a=b"}, {"Accept", "*/*"},
        {"Connection", "keep-alive"}, {"Content-Length", "3"}, {"X-Replay", "0"}};
    record.body = "abc";
    RenderedRequest out;
    rewriter.render(record, out);
    CHECK(out.target == "/v2/entities/7/ancestors?depth=1");
    CHECK(out.headers == "Accept: */*\r\nX-Replay: 1\r\nuser-agent: volley-replay\r\n");
    CHECK(out.body == "abc");
    CHECK(out.name_index == 0);
    CHECK(rewriter.name_index("POST", "/v2/entities") == 1);
    CHECK(rewriter.name_index("GET", "/v2/entities") == 2);  // the catch-all
}

TEST_CASE("ReplayRun: streams per worker, prepared ahead; summary of what the capture held") {
    ReplaySpec spec;
    spec.file = fixture("capture.gor.gz");
    spec.format = ReplayFormat::gor;
    spec.loop = 2;
    ReplayRun run(spec, 1);
    run.prepare({}, 2);
    std::size_t drawn = 0;
    for (std::size_t worker = 0; worker < 2; ++worker) {
        auto schedule = run.make_schedule(worker, 2);
        auto source = run.make_source(worker, 2);
        std::optional<Nanos> previous;
        while (const auto start = schedule->next()) {
            if (previous) CHECK(*start >= *previous);
            previous = start;
            engine::PreparedRequest request;
            REQUIRE(source->next(request));
            CHECK(request.name_index == 0);  // no routes: everything is the catch-all
            ++drawn;
        }
    }
    CHECK(drawn == 12);
    const auto summary = run.summary();
    CHECK(summary.scheduled == 12);
    CHECK(summary.passes == 2);
    CHECK(summary.capture.reader.requests == 6);
    CHECK(summary.capture.reader.malformed == 1);
    CHECK(summary.capture.kept == 6);
    CHECK(summary.capture.span_ns == 700 * kMs);

    spec.strict = true;
    const ReplayRun strict(spec, 1);
    CHECK_THROWS_AS(strict.check_every_record(), ReplayInputError);
    spec.include_paths = {"("};
    CHECK_THROWS_AS(ReplayRun(spec, 1), std::invalid_argument);
}
