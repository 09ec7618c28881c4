// The request source built from a Plan (docs/architecture.md "Seams"): the weighted request mix
// with `${...}` templates rendered per request into reused buffers.
#pragma once

#include "engine/target.hpp"
#include "scenarios/language/feeders.hpp"
#include "scenarios/language/plan.hpp"
#include "scenarios/language/random.hpp"
#include "scenarios/language/templates.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace volley::scenarios {

// One worker's source. Requests are drawn by weight from a stream seeded with
// plan.run.seed ^ worker_index; each request draws every variable it uses once (a variable used
// twice in one request renders the same value). Requests without templates get
// static_key = request index + 1 and views into bytes that never change. Every value is encoded
// for its position (templates.hpp Position) as it is rendered. After warm-up, next() does not
// allocate unless a value is longer than every earlier one.
class TemplatedRequestSource final : public engine::RequestSource {
public:
    // Throws std::invalid_argument for templates the plan's validation would have refused and
    // for ${env:NAME} unset without default.
    TemplatedRequestSource(const Plan& plan, std::size_t worker_index, std::size_t worker_count);
    ~TemplatedRequestSource() override;

    bool next(engine::PreparedRequest& out) override;

    // Why next() returned false (a csv `unique` feeder ran out), empty until then.
    [[nodiscard]] const std::string& exhausted_reason() const { return exhausted_reason_; }
    [[nodiscard]] std::string why_exhausted() const override { return exhausted_reason_; }

private:
    struct Part {
        std::string literal;  // copied as is when variable == kNoVariable
        std::size_t variable = kNoVariable;
        std::size_t column = 0;
        Encoding encoding = Encoding::raw;  // how the variable's value is written
    };
    static constexpr std::size_t kNoVariable = static_cast<std::size_t>(-1);
    using Template = std::vector<Part>;

    struct CompiledRequest {
        std::string method;
        Template path, headers, body;        // headers: "Name: value\r\n" lines
        std::vector<std::size_t> variables;  // drawn before rendering, each once
        std::uint64_t static_key = 0;        // non-zero: path/headers/body below never change
        std::string static_path, static_headers, static_body;
    };

    Template compile(const Plan& plan, const std::string& text, Field field, BodyKind body_kind,
                     bool& uses_variables, std::vector<std::size_t>& variables) const;
    static void render(const Template& parts, const std::vector<std::unique_ptr<Feeder>>& feeders,
                       std::string& out);
    std::size_t pick_request();

    std::vector<std::unique_ptr<Feeder>> feeders_;  // one per plan variable
    std::vector<CompiledRequest> requests_;
    std::vector<double> cumulative_weights_;
    Random random_;
    std::string path_buffer_, headers_buffer_, body_buffer_;
    std::string exhausted_reason_;
};

// The source for worker `worker_index` of `worker_count` (what RunInputs::make_source returns).
[[nodiscard]] std::unique_ptr<engine::RequestSource> make_request_source(const Plan& plan,
                                                                         std::size_t worker_index,
                                                                         std::size_t worker_count);

}  // namespace volley::scenarios
