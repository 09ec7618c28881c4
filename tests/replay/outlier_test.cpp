// Outlier quarantine (replay/outlier_filter.hpp, docs/replay.md "Outliers"): one bogus
// timestamp inside the reorder window must not become the timeline's zero. Before it, a single
// `ts: 0` among 2025 records was scheduled first and every other record ~56 years later
// (capture_span_s 1.76e9), with no warning.
#include "replay/readers.hpp"
#include "replay/replay_stream.hpp"
#include "replay/support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace std::chrono_literals;
using namespace volley;
using namespace volley::replay;
using namespace volley::replay_test;

namespace {

constexpr std::int64_t kT0 = 1760104536'000'000'000;  // 2025-10-10T13:55:36Z
constexpr std::int64_t kMs = 1'000'000;

std::string line(const std::string& json) { return json + "\n"; }

struct Played {
    std::vector<std::int64_t> starts_ms;
    std::vector<std::string> targets;
    CaptureCounts counts;
};

Played play(const ReplaySpec& spec, const ReaderFactory& open) {
    ReplayStream stream(spec, open, 1, 0, 1);
    Played out;
    while (const auto start = stream.next_start()) {
        engine::PreparedRequest request;
        REQUIRE(stream.next_request(stream.lane(), request));
        out.starts_ms.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(*start).count());
        out.targets.emplace_back(request.target);
    }
    out.counts = stream.first_pass();
    return out;
}

Played play_jsonl(const std::string& text, ReplaySpec spec = {}) {
    TempFile file("c.jsonl", text);
    spec.file = file.path();
    spec.format = ReplayFormat::jsonl;
    return play(spec, [&spec] { return make_jsonl_reader(spec.file, false); });
}

// `count` records 100 ms apart from kT0, /0 … /count-1, with line `bogus_line` (1-based)
// replaced by `bogus` (a whole JSONL line).
std::string capture_with(int count, int bogus_line, const std::string& bogus) {
    std::string text;
    for (int i = 0; i < count; ++i) {
        text +=
            i + 1 == bogus_line ? bogus : jsonl_line(kT0 + i * 100 * kMs, "/" + std::to_string(i));
    }
    return text;
}

std::vector<std::string> paths_except(int count, std::vector<int> left_out) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        if (std::find(left_out.begin(), left_out.end(), i) == left_out.end())
            out.push_back("/" + std::to_string(i));
    }
    return out;
}

}  // namespace

TEST_CASE("a ts: 0 record inside the reorder window is quarantined, not the timeline's zero") {
    const auto played = play_jsonl(capture_with(20, 8, line(R"({"ts": 0, "path": "/bogus"})")));
    CHECK(played.targets == paths_except(20, {7}));
    REQUIRE(played.starts_ms.size() == 19);
    CHECK(played.starts_ms.front() == 0);
    CHECK(played.starts_ms.back() == 1900);
    CHECK(played.counts.span_ns == 1900 * kMs);  // capture_span_s 1.9, not 1.76e9
    CHECK(played.counts.kept == 19);
    CHECK(played.counts.late == 0);
    CHECK(played.counts.outliers == 1);
    REQUIRE(played.counts.first_outliers.size() == 1);
    CHECK(played.counts.first_outliers[0].location == "line 8");
    CHECK(played.counts.first_outliers[0].reason ==
          "its time is 55.8 years before its neighbours' (more than outlier_gap 1.0 h)");
}

TEST_CASE("a 1969 date inside the reorder window is quarantined (JSONL, access log, HAR)") {
    SECTION("JSONL") {
        const auto played = play_jsonl(
            capture_with(10, 3, line(R"({"ts": "1969-12-31T23:59:59Z", "path": "/bogus"})")));
        CHECK(played.targets == paths_except(10, {2}));
        CHECK(played.counts.span_ns == 900 * kMs);
        CHECK(played.counts.outliers == 1);
        REQUIRE(played.counts.first_outliers.size() == 1);
        CHECK(played.counts.first_outliers[0].location == "line 3");
    }
    SECTION("access log") {
        std::string log;
        for (int i = 0; i < 8; ++i) {
            const std::string time = i == 4 ? "31/Dec/1969:23:59:59 +0000"
                                            : "10/Oct/2025:13:55:3" + std::to_string(i) + " +0000";
            log += "203.0.113.7 - - [" + time + "] \"GET /" + std::to_string(i) +
                   " HTTP/1.1\" 200 5 \"-\" \"curl\"\n";
        }
        TempFile file("access.log", log);
        ReplaySpec spec;
        spec.file = file.path();
        spec.format = ReplayFormat::combined;
        const auto played =
            play(spec, [&spec] { return make_access_log_reader(spec.file, "", false); });
        CHECK(played.targets == paths_except(8, {4}));
        CHECK(played.counts.span_ns == 7'000 * kMs);
        CHECK(played.counts.outliers == 1);
        REQUIRE(played.counts.first_outliers.size() == 1);
        CHECK(played.counts.first_outliers[0].location == "line 5");
    }
    SECTION("HAR, sorted by time: the 1969 entry comes first") {
        std::string entries;
        for (int i = 0; i < 6; ++i) {
            const std::string when =
                i == 2 ? "1969-07-20T20:17:40Z" : "2025-10-10T13:55:3" + std::to_string(i) + "Z";
            entries += std::string(i ? "," : "") + R"({"startedDateTime": ")" + when +
                       R"(", "request": {"method": "GET", "url": "http://h/)" + std::to_string(i) +
                       R"(", "headers": []}})";
        }
        TempFile file("c.har", R"({"log": {"entries": [)" + entries + "]}}");
        ReplaySpec spec;
        spec.file = file.path();
        spec.format = ReplayFormat::har;
        const auto capture = read_har(spec.file, false);
        const auto played =
            play(spec, [&spec, &capture] { return make_har_reader(capture, spec.file); });
        CHECK(played.targets == paths_except(6, {2}));
        CHECK(played.counts.span_ns == 5'000 * kMs);
        CHECK(played.counts.outliers == 1);
        REQUIRE(played.counts.first_outliers.size() == 1);
        CHECK(played.counts.first_outliers[0].location == "log.entries[2]");
    }
}

TEST_CASE("outliers at the capture's edges and in pairs are quarantined") {
    std::string text = line(R"({"ts": 0, "path": "/first"})");
    text += line(R"({"ts": 1, "path": "/second"})");
    for (int i = 0; i < 10; ++i) text += jsonl_line(kT0 + i * 100 * kMs, "/" + std::to_string(i));
    text += line(R"({"ts": "2099-01-01T00:00:00Z", "path": "/last"})");
    const auto played = play_jsonl(text);
    CHECK(played.targets == paths_except(10, {}));
    CHECK(played.counts.span_ns == 900 * kMs);
    CHECK(played.counts.outliers == 3);
    REQUIRE(played.counts.first_outliers.size() == 3);
    CHECK(played.counts.first_outliers[0].location == "line 1");
    CHECK(played.counts.first_outliers[1].location == "line 2");
    CHECK(played.counts.first_outliers[2].location == "line 13");
    CHECK(played.counts.first_outliers[2].reason.find("73.2 years after") != std::string::npos);
}

TEST_CASE("a real jump in the capture (a quiet night) keeps both its edges") {
    std::string text;
    for (int i = 0; i < 6; ++i) text += jsonl_line(kT0 + i * kMs, "/day" + std::to_string(i));
    for (int i = 0; i < 6; ++i)
        text += jsonl_line(kT0 + 8 * 3600'000 * kMs + i * kMs, "/morning" + std::to_string(i));
    ReplaySpec spec;
    spec.max_gap = 10ms;
    const auto played = play_jsonl(text, spec);
    CHECK(played.targets.size() == 12);
    CHECK(played.counts.outliers == 0);
    CHECK(played.counts.span_ns == (5 + 10 + 5) * kMs);
}

TEST_CASE("outlier_gap: a smaller gap quarantines more, 0 turns the quarantine off") {
    const std::string text = capture_with(10, 5, jsonl_line(kT0 + 3'600'000 * kMs, "/later"));
    ReplaySpec spec;  // 1 h: the record 1 h after its neighbours is kept
    const auto kept = play_jsonl(text, spec);
    CHECK(kept.counts.outliers == 0);
    spec.outlier_gap = 10min;
    const auto quarantined = play_jsonl(text, spec);
    CHECK(quarantined.counts.outliers == 1);
    CHECK(quarantined.counts.span_ns == 900 * kMs);
    spec.outlier_gap = engine::Nanos(0);
    const auto off = play_jsonl(capture_with(10, 5, line(R"({"ts": 0, "path": "/bogus"})")), spec);
    CHECK(off.counts.outliers == 0);
    CHECK(off.targets.front() == "/bogus");  // today's behaviour: it becomes time zero
    CHECK(off.counts.span_ns > 1'700'000'000 * std::int64_t{1'000'000'000});
}

TEST_CASE("quarantine is the same on every loop pass and for every worker") {
    const std::string text = capture_with(12, 6, line(R"({"ts": 0, "path": "/bogus"})"));
    TempFile file("c.jsonl", text);
    ReplaySpec spec;
    spec.file = file.path();
    spec.format = ReplayFormat::jsonl;
    spec.loop = 2;
    const auto played = play(spec, [&spec] { return make_jsonl_reader(spec.file, false); });
    CHECK(played.targets.size() == 22);
    CHECK(std::count(played.targets.begin(), played.targets.end(), "/bogus") == 0);
    CHECK(played.counts.outliers == 1);  // the first pass's count
    std::size_t total = 0;
    for (std::size_t worker = 0; worker < 3; ++worker) {
        ReplayStream stream(
            spec, [&spec] { return make_jsonl_reader(spec.file, false); }, 1, worker, 3);
        while (stream.next_start()) ++total;
        CHECK(stream.first_pass().outliers == 1);
    }
    CHECK(total == 22);
}
