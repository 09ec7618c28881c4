// Hidden test case (run with the tag [render-files]): writes every report of the real-run
// fixtures (run_fixture.hpp) to VOLLEY_REPORTS_RENDER_DIR/{with-cache,no-cache,stress}/ for the
// end-to-end checks (chromium_check.sh, xmllint). CTest runs it as "reports_render" before
// "reports_chromium".
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "report_test_support.hpp"
#include "reports/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/timeseries_csv.hpp"
#include "run_fixture.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;

TEST_CASE("write rendered reports for the end-to-end checks", "[.][render-files]") {
    const std::filesystem::path root = VOLLEY_REPORTS_RENDER_DIR;
    for (const auto& [fixture, folder] :
         {std::pair{RunFixture::with_cache, "with-cache"},
          std::pair{RunFixture::no_cache, "no-cache"}, std::pair{RunFixture::stress, "stress"}}) {
        const auto& summary = run_summary(fixture);
        const auto dir = root / folder;
        std::filesystem::create_directories(dir);
        const auto write = [&](const char* name, const std::string& text) {
            std::ofstream out(dir / name, std::ios::binary);
            out << text;
            out.close();
            REQUIRE(out.good());
        };
        write("report.html", render_html(summary));
        write("report.md", render_markdown(summary));
        write("junit.xml", render_junit(summary));
        write("timeseries.csv", render_timeseries_csv(summary));
        CHECK(std::filesystem::file_size(dir / "report.html") > 10000);
    }
}
