// What goes on the wire is what the user wrote: bodiless responses (HEAD) do not stall the
// parser, against a scripted server and a real nginx; template values arrive intact wherever
// they land (path segment, query, JSON body, header); values that cannot be placed are
// refused before the run.
#include "integration/support.hpp"
#include "support/scripted_server.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

// HEAD answered as a server must: the headers of the GET, Content-Length included, no body.
ScriptedReply head_aware(const ScriptedRequest& request) {
    if (request.method == "HEAD")
        return {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"};
    return {http_response(200, "hello")};
}

std::string write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

// Checks a run's summary: `expected` requests, all ok, none timed out.
void check_all_ok(const std::string& dir, double expected) {
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"outcomes", "timeout"}) == 0);
    CHECK(at(summary, {"outcomes", "ok"}) == expected);
    CHECK(at(summary, {"totals", "errors"}) == 0);
}

// Access-log lines with HEAD and GET requests inside one second (replayed spread over it).
std::string access_log(int lines) {
    std::string out;
    for (int i = 0; i < lines; ++i) {
        out += "127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] \"" +
               std::string(i % 2 == 0 ? "HEAD" : "GET") +
               " /index.html HTTP/1.1\" 200 5 \"-\" \"curl/8.0\"\n";
    }
    return out;
}

// nginx on loopback serving a temp dir, or nothing when the binary is missing.
class Nginx {
public:
    static constexpr const char* kBinary = "/usr/sbin/nginx";
    Nginx() : dir_(make_temp_dir("volley-nginx-")), port_(free_port()) {
        std::filesystem::create_directories(dir_ + "/www");
        write_file(dir_ + "/www/index.html", "hello");
        // One process, no user switch (the temp dir is private), everything under dir_.
        write_file(dir_ + "/nginx.conf",
                   "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir_ +
                       "/nginx.pid;\n"
                       "error_log " +
                       dir_ +
                       "/error.log;\nevents { worker_connections 64; }\n"
                       "http {\n  access_log " +
                       dir_ + "/access.log;\n  client_body_temp_path " + dir_ +
                       "/body;\n"
                       "  server {\n    listen 127.0.0.1:" +
                       std::to_string(port_) + ";\n    root " + dir_ +
                       "/www;\n    keepalive_requests 100000;\n  }\n}\n");
        server_.emplace(std::vector<std::string>{kBinary, "-p", dir_, "-e", dir_ + "/error.log",
                                                 "-c", dir_ + "/nginx.conf"});
        REQUIRE(wait_for_port(port_, 10s));
    }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    std::uint16_t port_;
    std::optional<BackgroundProcess> server_;
};

}  // namespace

TEST_CASE("HEAD: a response announcing a body it does not send completes at once") {
    ScriptedServer server(head_aware);
    SECTION("volley run -m HEAD") {
        const std::string dir = make_temp_dir("volley-head-");
        const auto run = run_volley({"run", "-u", server.url() + "/", "-m", "HEAD", "-r", "20",
                                     "-d", "2s", "-c", "2", "-q", "-o", dir});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        check_all_ok(dir, 40);
        for (const auto& request : server.requests()) CHECK(request.method == "HEAD");
    }
    SECTION("volley replay of an access log with HEAD lines") {
        const std::string dir = make_temp_dir("volley-head-replay-");
        const std::string log = write_file(dir + "/access.log", access_log(10));
        const auto run =
            run_volley({"replay", log, "-u", server.url(), "-c", "2", "-q", "-o", dir + "/out"});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        check_all_ok(dir + "/out", 10);
        std::multiset<std::string> methods;
        for (const auto& request : server.requests()) methods.insert(request.method);
        CHECK(methods.count("HEAD") == 5);
        CHECK(methods.count("GET") == 5);
    }
}

TEST_CASE("HEAD against a real nginx on loopback") {
    if (!std::filesystem::exists(Nginx::kBinary)) {
        WARN("SKIPPED: " << Nginx::kBinary << " is missing (scripts/test installs nginx-light)");
        return;
    }
    Nginx nginx;
    SECTION("volley run -m HEAD") {
        const std::string dir = make_temp_dir("volley-nginx-run-");
        const auto run = run_volley({"run", "-u", nginx.url() + "/index.html", "-m", "HEAD", "-r",
                                     "20", "-d", "2s", "-c", "2", "-q", "-o", dir});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        check_all_ok(dir, 40);
    }
    SECTION("volley replay of an access log with HEAD lines") {
        const std::string dir = make_temp_dir("volley-nginx-replay-");
        const std::string log = write_file(dir + "/access.log", access_log(10));
        const auto run =
            run_volley({"replay", log, "-u", nginx.url(), "-c", "2", "-q", "-o", dir + "/out"});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        check_all_ok(dir + "/out", 10);
        const std::string served = read_file(nginx.dir() + "/access.log");
        CHECK(served.find("\"HEAD /index.html HTTP/1.1\" 200") != std::string::npos);
    }
}

TEST_CASE(
    "template values arrive intact in the path segment, the query, a JSON body and a header") {
    const std::vector<std::string> words = {"red socks", "a&b=c", "say \"hi\"\\", "caf\xC3\xA9",
                                            "x/y?z#w%20+"};
    ScriptedServer server(
        [](const ScriptedRequest&) { return ScriptedReply{http_response(200, "ok")}; });
    const std::string dir = make_temp_dir("volley-encoding-");
    // The same words from a CSV file (RFC 4180 quoting, an Excel byte-order mark).
    std::string csv = "\xEF\xBB\xBFword\n";
    for (const auto& word : words) {
        std::string quoted;
        for (const char c : word) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        csv += "\"" + quoted + "\"\n";
    }
    write_file(dir + "/words.csv", csv);
    const std::string scenario = write_file(dir + "/wire.yaml", R"(name: wire
target:
  http: {base_url: ")" + server.url() + R"(", connections: 1}
load: {rate: 10/s, duration: 1s}
variables:
  word: {type: list, values: ["red socks", "a&b=c", 'say "hi"\', "café", "x/y?z#w%20+"]}
  row: {type: csv, file: words.csv}
requests:
  - name: post
    method: POST
    path: /items/${word}/${row}?q=${word}&r=${row}&n=1
    headers: {Content-Type: application/json, X-Word: "${word}"}
    body: '{"word": "${word}", "row": "${row}", "n": 1}'
)");
    const auto validate = run_volley({"validate", scenario});
    INFO(validate.err);
    REQUIRE(validate.exit_code == 0);
    const auto run = run_volley({"run", scenario, "-q", "-o", dir + "/out"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);

    const auto received = server.requests();
    REQUIRE(received.size() == 10);
    std::set<std::string> seen;
    for (const auto& request : received) {
        INFO(request.target);
        const auto url = boost::urls::parse_origin_form(request.target);
        REQUIRE(url.has_value());
        std::vector<std::string> segments;
        for (const auto& segment : url->segments()) segments.push_back(segment);
        REQUIRE(segments.size() == 3);
        CHECK(segments[0] == "items");
        const std::string word = segments[1];
        CHECK(std::find(words.begin(), words.end(), word) != words.end());
        std::map<std::string, std::string> query;
        for (const auto& param : url->params()) query[param.key] = param.value;
        CHECK(query.size() == 3);
        CHECK(query["q"] == word);
        CHECK(query["r"] == segments[2]);
        CHECK(query["n"] == "1");
        const auto body = boost::json::parse(request.body).as_object();
        CHECK(body.at("word").as_string() == word);
        CHECK(body.at("row").as_string() == segments[2]);
        CHECK(body.at("n").as_int64() == 1);
        std::string header;
        for (const auto& [name, value] : request.headers) {
            if (name == "X-Word") header = value;
        }
        CHECK(header == word);
        seen.insert(word);
        seen.insert(segments[2]);
    }
    CHECK(seen.size() == words.size());  // every word went through, from both sources
}

TEST_CASE("values that cannot be placed are refused by validate and run, located, exit 2") {
    const std::string dir = make_temp_dir("volley-unplaceable-");
    write_file(dir + "/notes.csv", "note\nfine\n\"two\r\nlines\"\n");
    const std::string scenario = write_file(dir + "/bad.yaml", R"(target:
  http: {base_url: "http://127.0.0.1:9"}
load: {rate: 10/s, duration: 1s}
variables:
  note: {type: csv, file: notes.csv}
requests:
  - path: /a/${note|lower}
  - path: /b
    headers: {X-Note: "${note}"}
)");
    for (const auto& args : {std::vector<std::string>{"validate", scenario},
                             std::vector<std::string>{"run", scenario, "-q"}}) {
        INFO(args[0]);
        const auto result = run_volley(args);
        INFO(result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find(scenario +
                              ":7:11: requests[0].path: '${note|lower}': unknown filter 'lower'") !=
              std::string::npos);
        CHECK(result.err.find(scenario + ":9:23: requests[1].headers.X-Note: variable 'note': ") !=
              std::string::npos);
        CHECK(result.err.find("notes.csv:3 (row 2), column 'note', holds a line break or NUL") !=
              std::string::npos);
    }
}
