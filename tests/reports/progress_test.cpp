// The live progress line: one line, at most 100 columns, every field present.
#include <catch2/catch.hpp>

#include <algorithm>

#include "reports/progress.hpp"

using namespace volley::reports;

namespace {

std::size_t columns(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

}  // namespace

TEST_CASE("progress line shows elapsed/total, rate, p99, errors, dropped, stage",
          "[reports][progress]") {
    ProgressState state{12.4, 30, "stage 2/3 hold 200 rps", 198.7, 200, 12.345, 3, 0};
    const auto line = format_progress_line(state);
    CHECK(line ==
          "0:12/0:30 41%  198.7/200.0 rps  p99 12.35 ms  errors 3  dropped 0"
          "  stage 2/3 hold 200 rps");
    CHECK(columns(line) <= progress_line_max_columns);
}

TEST_CASE("progress line fits 100 columns whatever the inputs", "[reports][progress]") {
    ProgressState state{35999,
                        36000,
                        std::string(300, 'x') + "\xC3\xA9",
                        1234567.8,
                        2000000,
                        123456.7,
                        18446744073709551615ull,
                        18446744073709551615ull};
    const auto line = format_progress_line(state);
    CHECK(columns(line) <= progress_line_max_columns);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find("…") != std::string::npos);
    CHECK(line.find("9:59:59/10:00:00 99%") == 0);
}

TEST_CASE("progress line without a total, target or response", "[reports][progress]") {
    ProgressState state{75, 0, "replay\x1b[31m\r\n", 40, 0, std::nullopt, 0, 2};
    const auto line = format_progress_line(state);
    CHECK(line == "1:15  40.0 rps  p99 —  errors 0  dropped 2  replay[31m");
    CHECK(line.find('\x1b') == std::string::npos);
}
