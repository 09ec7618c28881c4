// The demo service's behaviour without sockets (docs/demo.md): routes, users and logins, the
// counts, and the knobs' decisions (latency, deterministic errors, the stall). DemoServer feeds
// it parsed requests and writes each reply at its answer_at; tests drive it directly with a
// manual time source. Thread-safe: one mutex guards all state (a test service, not a fast one).
//
// Endpoints (JSON bodies; errors are {"error": "<reason>"}):
//   GET  /health            200 {"status":"ok"}
//   POST /register          {"user","password"} -> 201 {"id","user"}; 409 exists; 400 malformed
//   POST /login             {"user","password"} -> 200 {"token","user"} + Set-Cookie session;
//                           401 wrong password or unknown user; 400 malformed
//   GET  /items?page=K      Bearer token AND session cookie of one login, else 401 ->
//                           200 {"items":[{"id","name"}],"page":K,"next":"/items?page=K+1"|null}
//   GET  /items/{id}        same auth -> 200 {"id","name"} or 404
//   GET  /admin/stats       401 without a valid token, 403 unless the token is admin's ->
//                           200 {"users","logins"}
//   GET  /api/v1/data?key=  X-API-Key: demo-key, else 401 -> 200 {"key","value"}; 400 no key
//   GET  /__counts          the counts (not counted); POST /__reset zeroes them
// A wrong method on a known path is 405; an unknown path 404.
#pragma once

#include "demo/demo_options.hpp"
#include "engine/clock.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace volley::demo {

// What the service reads of a request (header values empty when absent).
struct DemoRequest {
    std::string_view method = {};
    std::string_view target = {};  // path and query
    std::string_view body = {};
    std::string_view authorization = {};
    std::string_view cookie = {};
    std::string_view api_key = {};  // X-API-Key
};

struct DemoReply {
    int status = 200;
    std::string body;                                          // JSON
    std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
    // When to write the reply: arrival + latency, or the stall's end (DemoServer waits on a
    // timer until then; never before the request arrived).
    engine::SteadyClock::time_point answer_at;
};

// The counted endpoints, in the order of /__counts; `other` is every unknown path.
enum class Endpoint : std::uint8_t { health, reg, login, items, item, admin, api, other };
inline constexpr std::size_t kEndpointCount = 8;

// Implicit accounts (no registration needed): user<digits> / "secret", and admin / "admin".
inline constexpr std::string_view kImplicitPassword = "secret";
inline constexpr std::string_view kApiKey = "demo-key";
// Bounds on what load tests can make the service keep: registrations past kMaxUsers are
// answered 503; past kMaxLogins the oldest login stops being valid.
inline constexpr std::size_t kMaxUsers = 1'000'000;
inline constexpr std::size_t kMaxLogins = 1'000'000;

class DemoService {
public:
    // `time` must outlive the service; it is read under the service's mutex.
    DemoService(const DemoOptions& options, const engine::TimeSource& time);

    // Answers one request. Counted requests (all but /__counts and /__reset) are counted when
    // they arrive, with the status they get.
    [[nodiscard]] DemoReply handle(const DemoRequest& request);

    // The body of GET /__counts: {"health":{"requests":N,"status":{"200":N}}, ...,
    // "other":{...}, "unauthorised":N} (401 and 403 answers of every endpoint).
    [[nodiscard]] std::string counts_json() const;

private:
    struct Account {
        std::uint64_t id;
        std::string password;
    };
    struct Login {
        std::string user;
        std::string session;
    };
    struct EndpointCounts {
        std::uint64_t requests = 0;
        std::map<int, std::uint64_t> status;
    };

    DemoReply route(Endpoint endpoint, const DemoRequest& request, std::string_view path,
                    std::string_view query);
    DemoReply register_user(std::string_view body);
    DemoReply login(std::string_view body);
    DemoReply list_items(const DemoRequest& request, std::string_view query);
    DemoReply get_item(const DemoRequest& request, std::string_view id_text);
    DemoReply admin_stats(const DemoRequest& request);
    DemoReply api_data(const DemoRequest& request, std::string_view query) const;
    [[nodiscard]] const Login* login_of(std::string_view authorization) const;
    [[nodiscard]] bool password_ok(const std::string& user, std::string_view password) const;
    [[nodiscard]] bool exists(const std::string& user) const;
    [[nodiscard]] engine::SteadyClock::duration draw_latency();
    [[nodiscard]] bool error_due();
    [[nodiscard]] std::string opaque_value();
    void reset_counts();

    const DemoOptions options_;
    const engine::TimeSource& time_;
    const std::uint64_t error_rate_ppm_;  // parts per million

    mutable std::mutex mutex_;
    std::unordered_map<std::string, Account> accounts_;  // registered users
    std::unordered_map<std::string, Login> logins_;      // by token
    std::deque<std::string> login_order_;                // tokens, oldest first
    std::uint64_t login_total_ = 0;
    std::array<EndpointCounts, kEndpointCount> counts_{};
    std::uint64_t counted_requests_ = 0;   // since start or /__reset: the stall's clock
    std::uint64_t eligible_requests_ = 0;  // requests the error rate applies to
    std::optional<engine::SteadyClock::time_point> stall_until_;
    std::mt19937_64 latency_random_{1};  // fixed seed: the same jitter sequence every run
    std::mt19937_64 token_random_;       // seeded from std::random_device
};

}  // namespace volley::demo
