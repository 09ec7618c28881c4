#include "demo/demo_service.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace volley::demo {

namespace {

namespace json = boost::json;
using engine::SteadyClock;

constexpr std::array<std::string_view, kEndpointCount> kEndpointNames{
    "health", "register", "login", "items", "item", "admin", "api", "other"};
constexpr std::uint64_t kPpm = 1'000'000;

DemoReply json_reply(int status, const json::value& value) {
    DemoReply reply;
    reply.status = status;
    reply.body = json::serialize(value);
    return reply;
}

DemoReply error_reply(int status, std::string_view reason) {
    return json_reply(status, json::object{{"error", reason}});
}

DemoReply unauthorised(std::string_view reason) {
    DemoReply reply = error_reply(401, reason);
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
}

DemoReply wrong_method(std::string_view allowed) {
    DemoReply reply = error_reply(405, "method not allowed");
    reply.headers.emplace_back("Allow", std::string(allowed));
    return reply;
}

Endpoint endpoint_of(std::string_view path) {
    if (path == "/health") return Endpoint::health;
    if (path == "/register") return Endpoint::reg;
    if (path == "/login") return Endpoint::login;
    if (path == "/items") return Endpoint::items;
    if (path.starts_with("/items/")) return Endpoint::item;
    if (path == "/admin/stats") return Endpoint::admin;
    if (path == "/api/v1/data") return Endpoint::api;
    return Endpoint::other;
}

std::string_view allowed_method(Endpoint endpoint) {
    return endpoint == Endpoint::reg || endpoint == Endpoint::login ? "POST" : "GET";
}

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded decoding; a malformed escape is kept as written.
std::string url_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
                   hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The decoded value of `name` in a query string "a=1&b=2"; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    }
    return std::nullopt;
}

// The value of cookie `name` in a Cookie header "a=1; session=x"; empty when absent.
std::string_view cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto semi = header.find(';');
        const std::string_view pair = trim_spaces(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    }
    return {};
}

// A positive decimal integer filling the whole text.
std::optional<std::int64_t> positive_integer(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value < 1) return std::nullopt;
    return value;
}

bool implicit_user(std::string_view user) {
    constexpr std::string_view prefix = "user";
    if (!user.starts_with(prefix) || user.size() == prefix.size()) return false;
    return std::all_of(user.begin() + prefix.size(), user.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

// {"user": string, "password": string}, both non-empty; nullopt when the body is not that.
std::optional<std::pair<std::string, std::string>> credentials(std::string_view body) {
    boost::system::error_code ec;
    const json::value value = json::parse(body, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto* user = value.as_object().if_contains("user");
    const auto* password = value.as_object().if_contains("password");
    if (user == nullptr || password == nullptr || !user->is_string() || !password->is_string())
        return std::nullopt;
    if (user->as_string().empty() || password->as_string().empty()) return std::nullopt;
    return std::pair{std::string(user->as_string()), std::string(password->as_string())};
}

json::object item_json(std::int64_t id) {
    return json::object{{"id", id}, {"name", "item-" + std::to_string(id)}};
}

// FNV-1a: the value of /api/v1/data, the same for a key in every run.
std::uint32_t fnv1a(std::string_view text) {
    std::uint32_t hash = 2166136261U;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619U;
    }
    return hash;
}

}  // namespace

DemoService::DemoService(const DemoOptions& options, const engine::TimeSource& time)
    : options_(options),
      time_(time),
      error_rate_ppm_(static_cast<std::uint64_t>(std::llround(options.error_rate * kPpm))),
      token_random_(std::random_device{}()) {}

DemoReply DemoService::handle(const DemoRequest& request) {
    const std::string_view target = request.target;
    const std::string_view path = target.substr(0, target.find('?'));
    const std::string_view query =
        path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
    if (path == "/__counts" || path == "/__reset") {
        // The test's side channel: not counted, no latency, no error, no stall.
        DemoReply reply;
        if (path == "/__counts") {
            reply = request.method == "GET" ? DemoReply{200, counts_json(), {}, {}}
                                            : wrong_method("GET");
        } else if (request.method == "POST") {
            const std::scoped_lock lock(mutex_);
            reset_counts();
            reply = json_reply(200, json::object{{"status", "reset"}});
        } else {
            reply = wrong_method("POST");
        }
        reply.answer_at = time_.now();
        return reply;
    }
    const Endpoint endpoint = endpoint_of(path);
    const std::scoped_lock lock(mutex_);
    const auto now = time_.now();
    ++counted_requests_;
    auto answer_at = now + draw_latency();
    if (stall_until_ && now < *stall_until_) answer_at = std::max(answer_at, *stall_until_);
    if (options_.stall_after && counted_requests_ == *options_.stall_after)
        stall_until_ = now + std::chrono::duration_cast<SteadyClock::duration>(options_.stall_for);
    const bool eligible = endpoint != Endpoint::health && endpoint != Endpoint::other;
    DemoReply reply = eligible && error_due() ? error_reply(503, "injected error (--error-rate)")
                                              : route(endpoint, request, path, query);
    auto& counts = counts_[static_cast<std::size_t>(endpoint)];
    ++counts.requests;
    ++counts.status[reply.status];
    reply.answer_at = answer_at;
    return reply;
}

DemoReply DemoService::route(Endpoint endpoint, const DemoRequest& request, std::string_view path,
                             std::string_view query) {
    if (endpoint == Endpoint::other) return error_reply(404, "no such path");
    if (request.method != allowed_method(endpoint)) return wrong_method(allowed_method(endpoint));
    switch (endpoint) {
        case Endpoint::health: return json_reply(200, json::object{{"status", "ok"}});
        case Endpoint::reg: return register_user(request.body);
        case Endpoint::login: return login(request.body);
        case Endpoint::items: return list_items(request, query);
        case Endpoint::item:
            return get_item(request, path.substr(std::string_view("/items/").size()));
        case Endpoint::admin: return admin_stats(request);
        case Endpoint::api: return api_data(request, query);
        case Endpoint::other: break;
    }
    return error_reply(404, "no such path");
}

DemoReply DemoService::register_user(std::string_view body) {
    const auto given = credentials(body);
    if (!given) return error_reply(400, "body must be {\"user\": \"...\", \"password\": \"...\"}");
    if (exists(given->first)) return error_reply(409, "user exists");
    if (accounts_.size() >= kMaxUsers) return error_reply(503, "too many users");
    const std::uint64_t id = accounts_.size() + 1;
    accounts_.emplace(given->first, Account{id, given->second});
    return json_reply(201, json::object{{"id", id}, {"user", given->first}});
}

DemoReply DemoService::login(std::string_view body) {
    const auto given = credentials(body);
    if (!given) return error_reply(400, "body must be {\"user\": \"...\", \"password\": \"...\"}");
    if (!password_ok(given->first, given->second))
        return unauthorised("unknown user or wrong password");
    std::string token = opaque_value();
    std::string session = opaque_value();
    if (login_order_.size() >= kMaxLogins) {
        logins_.erase(login_order_.front());
        login_order_.pop_front();
    }
    logins_[token] = Login{given->first, session};
    login_order_.push_back(token);
    ++login_total_;
    DemoReply reply = json_reply(200, json::object{{"token", token}, {"user", given->first}});
    reply.headers.emplace_back("Set-Cookie", "session=" + session + "; Path=/; HttpOnly");
    return reply;
}

DemoReply DemoService::list_items(const DemoRequest& request, std::string_view query) {
    const Login* who = login_of(request.authorization);
    if (who == nullptr) return unauthorised("missing or unknown bearer token");
    if (cookie_value(request.cookie, "session") != who->session)
        return unauthorised("missing or wrong session cookie");
    std::int64_t page = 1;
    if (const auto text = query_param(query, "page")) {
        const auto parsed = positive_integer(*text);
        if (!parsed) return error_reply(400, "page must be a positive integer");
        page = *parsed;
    }
    const std::int64_t size = options_.page_size;
    const std::int64_t pages = std::max<std::int64_t>(1, (options_.items + size - 1) / size);
    json::array items;
    for (std::int64_t id = (page - 1) * size + 1;
         page <= pages && id <= std::min<std::int64_t>(page * size, options_.items); ++id) {
        items.push_back(item_json(id));
    }
    json::value next = nullptr;
    if (page < pages) next = "/items?page=" + std::to_string(page + 1);
    return json_reply(200,
                      json::object{{"items", std::move(items)}, {"page", page}, {"next", next}});
}

DemoReply DemoService::get_item(const DemoRequest& request, std::string_view id_text) {
    const Login* who = login_of(request.authorization);
    if (who == nullptr) return unauthorised("missing or unknown bearer token");
    if (cookie_value(request.cookie, "session") != who->session)
        return unauthorised("missing or wrong session cookie");
    const auto id = positive_integer(id_text);
    if (!id || *id > options_.items) return error_reply(404, "no such item");
    return json_reply(200, item_json(*id));
}

DemoReply DemoService::admin_stats(const DemoRequest& request) {
    const Login* who = login_of(request.authorization);
    if (who == nullptr) return unauthorised("missing or unknown bearer token");
    if (who->user != "admin") return error_reply(403, "admin only");
    return json_reply(200, json::object{{"users", accounts_.size()}, {"logins", login_total_}});
}

DemoReply DemoService::api_data(const DemoRequest& request, std::string_view query) const {
    if (request.api_key != kApiKey) return unauthorised("missing or wrong X-API-Key");
    const auto key = query_param(query, "key");
    if (!key || key->empty()) return error_reply(400, "key is required (?key=...)");
    return json_reply(200, json::object{{"key", *key}, {"value", fnv1a(*key) % 1000}});
}

const DemoService::Login* DemoService::login_of(std::string_view authorization) const {
    constexpr std::string_view scheme = "Bearer ";
    if (!authorization.starts_with(scheme)) return nullptr;
    const auto found = logins_.find(std::string(trim_spaces(authorization.substr(scheme.size()))));
    return found == logins_.end() ? nullptr : &found->second;
}

bool DemoService::password_ok(const std::string& user, std::string_view password) const {
    if (const auto found = accounts_.find(user); found != accounts_.end())
        return found->second.password == password;
    if (user == "admin") return password == "admin";
    return implicit_user(user) && password == kImplicitPassword;
}

bool DemoService::exists(const std::string& user) const {
    return accounts_.contains(user) || user == "admin" || implicit_user(user);
}

SteadyClock::duration DemoService::draw_latency() {
    auto delay = options_.latency;
    if (options_.latency_jitter.count() > 0) {
        std::uniform_int_distribution<std::int64_t> jitter(0, options_.latency_jitter.count());
        delay += std::chrono::nanoseconds(jitter(latency_random_));
    }
    return std::chrono::duration_cast<SteadyClock::duration>(delay);
}

// The n-th eligible request fails when floor(n * rate) > floor((n - 1) * rate): exactly
// floor(n * rate) of the first n fail, evenly spread (10%: the 10th, 20th, ...).
bool DemoService::error_due() {
    const std::uint64_t n = ++eligible_requests_;
    return (n * error_rate_ppm_) / kPpm > ((n - 1) * error_rate_ppm_) / kPpm;
}

std::string DemoService::opaque_value() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int word = 0; word < 2; ++word) {
        std::uint64_t bits = token_random_();
        for (int i = 0; i < 16; ++i, bits >>= 4) out += kHex[bits & 0xf];
    }
    return out;
}

void DemoService::reset_counts() {
    counts_ = {};
    counted_requests_ = 0;
    eligible_requests_ = 0;
    stall_until_.reset();
}

std::string DemoService::counts_json() const {
    const std::scoped_lock lock(mutex_);
    json::object out;
    std::uint64_t unauthorised_total = 0;
    for (std::size_t i = 0; i < kEndpointCount; ++i) {
        json::object status;
        for (const auto& [code, count] : counts_[i].status) {
            status[std::to_string(code)] = count;
            if (code == 401 || code == 403) unauthorised_total += count;
        }
        out[kEndpointNames[i]] =
            json::object{{"requests", counts_[i].requests}, {"status", std::move(status)}};
    }
    out["unauthorised"] = unauthorised_total;
    return json::serialize(out);
}

}  // namespace volley::demo
