// `volley record` with TLS on either side, on loopback: https upstreams (verified by default,
// trusted with --ca-file, unverified with --insecure), TLS termination with --tls-cert/--tls-key
// (the capture holds the plaintext), the client connection's serial in every record header,
// and the options' errors. volley and `openssl s_server` run as child processes.
#include "replay/capture_server.hpp"
#include "replay/connect.hpp"
#include "replay/readers.hpp"
#include "replay/support.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <fstream>
#include <optional>
#include <thread>

using namespace std::chrono_literals;
using namespace volley;
using namespace volley::replay_test;
using volley::testing::run_process;
using volley::testing::volley_binary;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// A self-signed certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) and its key.
struct Certificate {
    std::string cert, key;
};

Certificate make_certificate(const std::string& dir, const std::string& name) {
    Certificate out{dir + "/" + name + "-cert.pem", dir + "/" + name + "-key.pem"};
    const auto made =
        run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                     out.key, "-out", out.cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                     "subjectAltName=IP:127.0.0.1"},
                    60s);
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    return out;
}

// `openssl s_server -www` on 127.0.0.1 with `certificate`: answers every request with an
// HTTP/1.0 status page.
class OpensslServer {
public:
    explicit OpensslServer(const Certificate& certificate) : port_(testing::free_port()) {
        server_.emplace(std::vector<std::string>{"/usr/bin/openssl", "s_server", "-quiet",
                                                 "-accept", "127.0.0.1:" + std::to_string(port_),
                                                 "-cert", certificate.cert, "-key", certificate.key,
                                                 "-www"});
        REQUIRE(testing::wait_for_port(port_, 10s));
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }

private:
    std::uint16_t port_;
    std::optional<testing::BackgroundProcess> server_;
};

// `volley record` on a free port for the length of a test; SIGINT after `stop_after`, by
// which time the test's traffic (milliseconds once the proxy listens) is long done.
class Recorder {
public:
    Recorder(const std::string& capture, std::vector<std::string> options,
             std::chrono::milliseconds stop_after = 4000ms)
        : port_(testing::free_port()) {
        std::vector<std::string> argv{
            volley_binary(), "record", "--listen", "127.0.0.1:" + std::to_string(port_), "-o",
            capture};
        argv.insert(argv.end(), options.begin(), options.end());
        thread_ = std::thread([this, argv, stop_after] {
            result_ = run_process(argv, 60s, {testing::SignalCue{stop_after, SIGINT}});
        });
    }
    ~Recorder() {
        if (thread_.joinable()) thread_.join();
    }
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    // Waits for the signal's stop; the recorder's exit code and output.
    const testing::ProcessResult& result() {
        if (thread_.joinable()) thread_.join();
        return result_;
    }

private:
    std::uint16_t port_;
    testing::ProcessResult result_;
    std::thread thread_;
};

// A blocking HTTP/1.1 client connection, plain or TLS (verifying the server against a CA file).
class Client {
public:
    // Connects, retrying while the proxy starts (up to `patience`); a refused connection is
    // never accepted, so it takes no connection number.
    Client(std::uint16_t port, const std::string& tls_ca_file = "",
           std::chrono::milliseconds patience = 3000ms)
        : socket_(io_) {
        connect_when_listening(socket_, port, patience);
        if (tls_ca_file.empty()) return;
        tls_context_.emplace(asio::ssl::context::tls_client);
        tls_context_->load_verify_file(tls_ca_file);
        tls_context_->set_verify_mode(asio::ssl::verify_peer);
        tls_.emplace(std::move(socket_), *tls_context_);
        tls_->handshake(asio::ssl::stream_base::client);
    }
    http::response<http::string_body> exchange(http::request<http::string_body> request) {
        request.prepare_payload();
        http::response<http::string_body> response;
        if (tls_) {
            http::write(*tls_, request);
            http::read(*tls_, buffer_, response);
        } else {
            http::write(socket_, request);
            http::read(socket_, buffer_, response);
        }
        return response;
    }

private:
    asio::io_context io_;
    tcp::socket socket_;
    std::optional<asio::ssl::context> tls_context_;
    std::optional<asio::ssl::stream<tcp::socket>> tls_;
    boost::beast::flat_buffer buffer_;
};

http::request<http::string_body> make_request(http::verb method, const std::string& target,
                                              std::uint16_t port, const std::string& body = "") {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    request.body() = body;
    return request;
}

// One record of a plain GoReplay capture: its header line's fields and the message after it.
struct CapturedRecord {
    std::vector<std::string> fields;  // type, id, timestamp_ns, latency_ns, connection
    std::string message;
};

std::vector<CapturedRecord> captured_records(const std::string& capture) {
    const std::string text = testing::read_file(capture);
    const std::string separator(replay::kGorSeparator);
    std::vector<CapturedRecord> out;
    for (std::size_t at = 0; at < text.size();) {
        auto end = text.find(separator, at);
        if (end == std::string::npos) end = text.size();
        const std::string record = text.substr(at, end - at);
        at = end + separator.size();
        const auto newline = record.find('\n');
        CapturedRecord parsed;
        std::string header = record.substr(0, newline);
        for (std::size_t from = 0; from <= header.size();) {
            const auto space = std::min(header.find(' ', from), header.size());
            parsed.fields.push_back(header.substr(from, space - from));
            from = space + 1;
        }
        parsed.message = newline == std::string::npos ? "" : record.substr(newline + 1);
        out.push_back(parsed);
    }
    return out;
}

// The capture's records as (type, connection) pairs, checking that every header has five
// fields and every response follows its request with the same id and connection.
std::vector<std::pair<std::string, std::string>> types_and_connections(const std::string& capture) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto records = captured_records(capture);
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& fields = records[i].fields;
        INFO("record " << i);
        REQUIRE(fields.size() == 5);
        out.emplace_back(fields[0], fields[4]);
        if (fields[0] == "2") {
            REQUIRE(i > 0);
            CHECK(records[i - 1].fields[1] == fields[1]);
            CHECK(records[i - 1].fields[4] == fields[4]);
        }
    }
    return out;
}

int occurrences(const std::string& text, const std::string& part) {
    int count = 0;
    for (std::size_t at = 0; (at = text.find(part, at)) != std::string::npos; at += part.size())
        ++count;
    return count;
}

}  // namespace

TEST_CASE(
    "volley record forwards to an https upstream: verified with --ca-file, 502 when untrusted, "
    "--insecure skips it") {
    const std::string dir = testing::make_temp_dir("volley-record-tls-up-");
    const auto certificate = make_certificate(dir, "upstream");
    OpensslServer upstream(certificate);
    const std::string url = "https://127.0.0.1:" + std::to_string(upstream.port());
    // Four recorders at once, so that the test waits for one stop signal, not four (and no
    // SECTIONs, which would start them again for each).
    Recorder trusted(dir + "/trusted.gor", {"--upstream", url, "--ca-file", certificate.cert});
    Recorder untrusted(dir + "/untrusted.gor", {"--upstream", url});
    Recorder insecure(dir + "/insecure.gor", {"--upstream", url, "--insecure"});
    // The certificate names 127.0.0.1, not localhost: the name check refuses it.
    Recorder wrong_name(dir + "/wrong-name.gor",
                        {"--upstream", "https://localhost:" + std::to_string(upstream.port()),
                         "--ca-file", certificate.cert});

    const auto trusted_response =
        Client(trusted.port())
            .exchange(make_request(http::verb::get, "/secure?x=1", trusted.port()));
    const auto untrusted_response =
        Client(untrusted.port()).exchange(make_request(http::verb::get, "/", untrusted.port()));
    const auto insecure_response =
        Client(insecure.port()).exchange(make_request(http::verb::get, "/", insecure.port()));
    const auto wrong_name_response =
        Client(wrong_name.port()).exchange(make_request(http::verb::get, "/", wrong_name.port()));

    {  // --ca-file: the request is forwarded over TLS and both records are captured
        CHECK(trusted_response.result_int() == 200);
        CHECK(trusted_response.body().find("s_server") != std::string::npos);
        const auto& run = trusted.result();
        INFO(run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.err.empty());
        const auto records = captured_records(dir + "/trusted.gor");
        REQUIRE(records.size() == 2);
        CHECK(records[0].fields[0] == "1");
        CHECK(records[0].message.rfind("GET /secure?x=1 HTTP/1.1\r\n", 0) == 0);
        CHECK(records[1].fields[0] == "2");
        CHECK(records[1].message.rfind("HTTP/1.0 200 ok\r\n", 0) == 0);
        CHECK(records[1].message.find("s_server") != std::string::npos);
    }
    {  // no --ca-file: the self-signed certificate is not trusted; the client gets 502, stderr says
       // why
        CHECK(untrusted_response.result_int() == 502);
        CHECK(untrusted_response.body().find("certificate verify failed") != std::string::npos);
        const auto& run = untrusted.result();
        INFO(run.err);
        CHECK(run.exit_code == 0);
        CHECK(occurrences(run.err, "TLS handshake with upstream 127.0.0.1:" +
                                       std::to_string(upstream.port()) + " failed") == 1);
        CHECK(run.err.find("--ca-file") != std::string::npos);
        const auto records = captured_records(dir + "/untrusted.gor");
        REQUIRE(records.size() == 2);  // the request, and the 502 the client got
        CHECK(records[1].message.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0) == 0);
    }
    {  // --insecure: no verification, and a warning
        CHECK(insecure_response.result_int() == 200);
        const auto& run = insecure.result();
        INFO(run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.err.find("WARNING: --insecure") != std::string::npos);
        CHECK(captured_records(dir + "/insecure.gor").size() == 2);
    }
    {  // a trusted certificate for another name: 502, hostname mismatch
        CHECK(wrong_name_response.result_int() == 502);
        CHECK(wrong_name_response.body().find("hostname mismatch") != std::string::npos);
        const auto& run = wrong_name.result();
        INFO(run.err);
        CHECK(run.exit_code == 0);
    }
}

TEST_CASE(
    "volley record --tls-cert/--tls-key: TLS clients are served and captured in plaintext; a "
    "failed handshake drops only its client") {
    const std::string dir = testing::make_temp_dir("volley-record-tls-listen-");
    const auto certificate = make_certificate(dir, "recorder");
    CaptureServer upstream;
    const std::string capture = dir + "/capture.gor";
    Recorder recorder(capture, {"--upstream", upstream.url(), "--tls-cert", certificate.cert,
                                "--tls-key", certificate.key});

    const std::string body = "{\"id\":\"42\",\"note\":\"sent over TLS\"}";
    auto post = make_request(http::verb::post, "/entities?tier=2", recorder.port(), body);
    post.set(http::field::content_type, "application/json");
    post.set(http::field::authorization, "Bearer secret.token");
    post.set("X-Trace-Id", "tls-1");
    std::vector<int> statuses;
    {
        Client first(recorder.port(), certificate.cert);  // connection 1
        statuses.push_back(first.exchange(post).result_int());
        statuses.push_back(
            first.exchange(make_request(http::verb::get, "/entities/42", recorder.port()))
                .result_int());
    }
    {
        // Connection 2 talks plain HTTP to the TLS port: its handshake fails and it is dropped.
        Client plain(recorder.port());
        CHECK_THROWS(plain.exchange(make_request(http::verb::get, "/plain", recorder.port())));
    }
    {
        Client third(recorder.port(), certificate.cert);  // connection 3: the proxy still serves
        statuses.push_back(
            third.exchange(make_request(http::verb::get, "/after", recorder.port())).result_int());
    }
    CHECK(statuses == std::vector<int>{200, 200, 200});

    const auto& run = recorder.result();
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(occurrences(run.err, "TLS handshake failed") == 1);
    CHECK(run.err.find("(connection 2)") != std::string::npos);
    CHECK(run.out.find("3 request(s) recorded") != std::string::npos);
    CHECK(run.out.find("1 client(s) dropped after a failed TLS handshake") != std::string::npos);

    // The capture holds the plaintext request as the client sent it.
    auto reader = replay::make_gor_reader(capture, true);
    const auto requests = read_all(*reader);
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].target == "/entities?tier=2");
    CHECK(requests[0].body == body);
    CHECK(header(requests[0], "Host") == "127.0.0.1:" + std::to_string(recorder.port()));
    CHECK(header(requests[0], "Content-Type") == "application/json");
    CHECK(header(requests[0], "Authorization") == "Bearer secret.token");
    CHECK(header(requests[0], "X-Trace-Id") == "tls-1");
    CHECK(header(requests[0], "Content-Length") == std::to_string(body.size()));
    CHECK(requests[1].target == "/entities/42");
    CHECK(requests[2].target == "/after");
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(types_and_connections(capture) ==
          Pairs{{"1", "1"}, {"2", "1"}, {"1", "1"}, {"2", "1"}, {"1", "3"}, {"2", "3"}});

    // The upstream got the same plaintext requests.
    const auto received = upstream.requests();
    REQUIRE(received.size() == 3);
    CHECK(received[0].rfind("POST /entities?tier=2 HTTP/1.1\r\n", 0) == 0);
    CHECK(received[0].size() >= body.size());
    CHECK(received[0].substr(received[0].size() - body.size()) == body);
}

TEST_CASE(
    "volley record numbers client connections: a request and its response share the number of "
    "their connection") {
    const std::string dir = testing::make_temp_dir("volley-record-connections-");
    CaptureServer upstream;
    const std::string capture = dir + "/capture.gor";
    Recorder recorder(capture, {"--upstream", upstream.url()});
    {
        Client first(recorder.port());
        CHECK(first.exchange(make_request(http::verb::get, "/one", recorder.port())).result_int() ==
              200);
        CHECK(first.exchange(make_request(http::verb::post, "/two", recorder.port(), "2"))
                  .result_int() == 200);
        Client second(recorder.port());
        CHECK(second.exchange(make_request(http::verb::get, "/three", recorder.port()))
                  .result_int() == 200);
    }
    const auto& run = recorder.result();
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(types_and_connections(capture) ==
          Pairs{{"1", "1"}, {"2", "1"}, {"1", "1"}, {"2", "1"}, {"1", "2"}, {"2", "2"}});
    // The reader accepts the five-field headers.
    auto reader = replay::make_gor_reader(capture, true);
    CHECK(read_all(*reader).size() == 3);
    CHECK(reader->counts().malformed == 0);
}

TEST_CASE("volley record rejects inconsistent or unreadable TLS options with exit code 2") {
    const std::string dir = testing::make_temp_dir("volley-record-tls-options-");
    const auto certificate = make_certificate(dir, "one");
    const auto other = make_certificate(dir, "other");
    const std::string not_pem = dir + "/not.pem";
    std::ofstream(not_pem) << "not a certificate\n";
    const std::string capture = dir + "/never.gor";
    const auto record = [&](std::vector<std::string> options) {
        std::vector<std::string> argv{volley_binary(), "record", "--listen",
                                      "127.0.0.1:0",   "-o",     capture};
        argv.insert(argv.end(), options.begin(), options.end());
        return run_process(argv, 30s);
    };
    const std::string http_upstream = "http://127.0.0.1:9";
    const std::string https_upstream = "https://127.0.0.1:9";
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--upstream", http_upstream, "--tls-cert", certificate.cert},
         "--tls-cert needs --tls-key"},
        {{"--upstream", http_upstream, "--tls-key", certificate.key}, "--tls-key needs --tls-cert"},
        {{"--upstream", http_upstream, "--tls-cert", dir + "/missing.pem", "--tls-key",
          certificate.key},
         "no such file"},
        {{"--upstream", http_upstream, "--tls-cert", not_pem, "--tls-key", certificate.key},
         "--tls-cert"},
        {{"--upstream", http_upstream, "--tls-cert", certificate.cert, "--tls-key", other.key},
         "--tls-key"},
        {{"--upstream", http_upstream, "--insecure"},
         "--insecure applies to https:// upstreams only"},
        {{"--upstream", http_upstream, "--ca-file", certificate.cert},
         "--ca-file applies to https:// upstreams only"},
        {{"--upstream", https_upstream, "--insecure", "--ca-file", certificate.cert}, "--insecure"},
        {{"--upstream", https_upstream, "--ca-file", dir + "/missing.pem"}, "no such file"},
        {{"--upstream", https_upstream, "--ca-file", not_pem}, "cannot load ca_file"},
    };
    for (const auto& [options, message] : cases) {
        const auto run = record(options);
        INFO(options[options.size() - 1] << ": " << run.err);
        CHECK(run.exit_code == 2);
        CHECK(run.err.find(message) != std::string::npos);
    }
    CHECK(testing::read_file(capture).empty());
}
