#include "targets/http_session.hpp"

#include "targets/http_connection.hpp"
#include "targets/http_endpoint.hpp"
#include "targets/http_pipeline_connection.hpp"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace volley::targets {
namespace asio = boost::asio;

namespace {

template <class Stream>
class HttpSession final : public engine::TargetSession {
public:
    HttpSession(std::shared_ptr<HttpTarget::Shared> shared, const engine::SessionContext& context)
        : shared_(std::move(shared)), slots_(context.slots), sweep_(context.io) {
        const std::size_t depth = std::max<std::uint32_t>(shared_->config.pipeline, 1);
        if (depth == 1) {
            connections_.reserve(context.slots);
            for (std::size_t slot = 0; slot < context.slots; ++slot)
                connections_.push_back(std::make_unique<HttpConnection<Stream>>(
                    context.io, *shared_, context.sink, slot));
        } else {
            // Slot s on connection s % count, so that slots taken in order spread over them.
            const std::size_t count = (context.slots + depth - 1) / depth;
            for (std::size_t first = 0; first < count; ++first) {
                std::vector<std::size_t> slots;
                for (std::size_t slot = first; slot < context.slots; slot += count)
                    slots.push_back(slot);
                pipelines_.push_back(std::make_unique<HttpPipelineConnection<Stream>>(
                    context.io, *shared_, context.sink, std::move(slots)));
            }
        }
        scratch_.resize(context.slots);
        const auto shortest =
            std::min(shared_->config.connect_timeout, shared_->config.request_timeout);
        sweep_every_ = std::clamp<engine::Nanos>(shortest / 10, std::chrono::milliseconds(1),
                                                 std::chrono::milliseconds(100));
        arm_sweep();
    }

    [[nodiscard]] std::size_t slot_count() const override { return slots_; }

    void send(std::size_t slot, const engine::PreparedRequest& request) override {
        Exchange exchange;
        exchange.bytes = serialise(slot, request);
        exchange.name_index = request.name_index;
        exchange.head = request.method == "HEAD";
        exchange.retry_if_stale = may_retry_on_fresh_connection(request.method);
        exchange.capture = request.capture_response;
        if (pipelines_.empty()) return connections_[slot]->send(exchange);
        pipelines_[slot % pipelines_.size()]->send(slot / pipelines_.size(), exchange);
    }

    void abort_all() override {
        stopped_ = true;
        sweep_.cancel();
        for (auto& connection : connections_) connection->abort();
        for (auto& connection : pipelines_) connection->abort();
    }

private:
    // The request's bytes: cached for the run when the source marks it static, else rebuilt in
    // this slot's buffer (reused, so steady state does not allocate).
    std::string_view serialise(std::size_t slot, const engine::PreparedRequest& request) {
        if (request.static_key != 0) {
            auto [it, inserted] = static_requests_.try_emplace(request.static_key);
            if (inserted) build(it->second, request);
            return it->second;
        }
        build(scratch_[slot], request);
        return scratch_[slot];
    }

    void build(std::string& out, const engine::PreparedRequest& request) const {
        out.clear();
        out.append(request.method.empty() ? std::string_view("GET") : request.method);
        out.push_back(' ');
        out.append(shared_->url.path_prefix);
        if (request.target.empty() || request.target.front() != '/') out.push_back('/');
        out.append(request.target);
        out.append(" HTTP/1.1\r\n");
        out.append(shared_->host_header);
        out.append(request.headers);
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
            request.method == "PATCH") {
            out.append("Content-Length: ");
            out.append(std::to_string(request.body.size()));
            out.append("\r\n");
        }
        out.append("\r\n");
        out.append(request.body);
    }

    void arm_sweep() {
        sweep_.expires_after(sweep_every_);
        sweep_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopped_) return;
            const auto now = engine::SteadyClock::now();
            for (auto& connection : connections_) connection->expire_if_due(now);
            for (auto& connection : pipelines_) connection->expire_if_due(now);
            arm_sweep();
        });
    }

    std::shared_ptr<HttpTarget::Shared> shared_;
    std::size_t slots_;
    asio::steady_timer sweep_;
    engine::Nanos sweep_every_{};
    // One of the two: a connection per slot (pipeline 1), or pipelined connections carrying up
    // to target.http.pipeline slots each (slot s on pipelines_[s % size], index s / size).
    std::vector<std::unique_ptr<HttpConnection<Stream>>> connections_;
    std::vector<std::unique_ptr<HttpPipelineConnection<Stream>>> pipelines_;
    std::unordered_map<std::uint64_t, std::string> static_requests_;
    std::vector<std::string> scratch_;  // per slot
    bool stopped_ = false;
};

}  // namespace

bool may_retry_on_fresh_connection(std::string_view method) {
    return method.empty() || method == "GET" || method == "HEAD" || method == "PUT" ||
           method == "DELETE" || method == "OPTIONS";
}

std::unique_ptr<engine::TargetSession> make_http_session(std::shared_ptr<HttpTarget::Shared> shared,
                                                         const engine::SessionContext& context) {
    if (shared->url.tls)
        return std::make_unique<HttpSession<TlsStream>>(std::move(shared), context);
    return std::make_unique<HttpSession<PlainStream>>(std::move(shared), context);
}

}  // namespace volley::targets
