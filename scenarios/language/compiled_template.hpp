// A `${…}` template compiled once for a request source: literal parts and references to
// feeders (variables:) or journey variables, each with the encoding of its position
// (templates.hpp). Rendering appends into a reused buffer.
#pragma once

#include "engine/target.hpp"
#include "scenarios/language/feeders.hpp"
#include "scenarios/language/plan.hpp"
#include "scenarios/language/templates.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace volley::scenarios {

struct TemplatePart {
    static constexpr std::size_t kLiteral = static_cast<std::size_t>(-1);
    std::string literal;              // copied as is when variable == kLiteral
    std::size_t variable = kLiteral;  // a feeder index, or (journey) a journey variable index
    std::size_t column = 0;           // csv column
    Encoding encoding = Encoding::raw;
    bool journey = false;  // `variable` indexes the journey's values
    Position position = Position::body;
};
using CompiledTemplate = std::vector<TemplatePart>;

// Compiles templates against a plan's variables and, for a journey step, the journey's
// variables (`journey_variables`, nullptr for none).
class TemplateCompiler {
public:
    TemplateCompiler(const Plan& plan, const std::vector<std::unique_ptr<Feeder>>& feeders,
                     const std::vector<std::string>* journey_variables = nullptr)
        : plan_(plan), feeders_(feeders), journey_variables_(journey_variables) {}

    // A journey's steps see one value per variable for the whole journey: with this set, a
    // (non-constant) feeder reference becomes a journey value, at index journey_variables->size()
    // + its position in `captured` (feeder index, column), added on first use. The journey
    // copies those values from the feeders when it starts.
    void capture_feeders(std::vector<std::pair<std::size_t, std::size_t>>* captured) {
        captured_ = captured;
    }

    // Constants and environment variables are rendered here, once. `uses_variables` becomes
    // true when the result depends on a feeder or journey value; `variables` gets the feeders it
    // draws. Throws std::invalid_argument for templates the loader would have refused.
    CompiledTemplate compile(const std::string& text, Field field, BodyKind body_kind,
                             bool& uses_variables, std::vector<std::size_t>& variables) const;

private:
    const Plan& plan_;
    const std::vector<std::unique_ptr<Feeder>>& feeders_;
    const std::vector<std::string>* journey_variables_;
    std::vector<std::pair<std::size_t, std::size_t>>* captured_ = nullptr;
};

// One request's templates, compiled (TemplatedRequestSource, journey steps).
struct CompiledRequest {
    std::string method;
    CompiledTemplate path, headers, body;  // headers: "Name: value\r\n" lines
    std::vector<std::size_t> variables;    // feeders drawn before rendering, each once
    bool varies = false;                   // uses a feeder or journey value
    std::uint64_t static_key = 0;          // non-zero: the static_* bytes never change
    std::string static_path, static_headers, static_body;
};

// The reused buffers a request is rendered into; the PreparedRequest's views point into them.
struct RenderedRequest {
    std::string path, headers, body;
    void reserve(std::size_t bytes) {
        path.reserve(bytes);
        headers.reserve(bytes);
        body.reserve(bytes);
    }
    void view_into(engine::PreparedRequest& out) const {
        out.target = path;
        out.headers = headers;
        out.body = body;
    }
};

// Renders the path, headers and body of `request` into `into` (render_template for each).
bool render_request(const CompiledRequest& request,
                    const std::vector<std::unique_ptr<Feeder>>& feeders,
                    const std::vector<std::string>* journey_values, RenderedRequest& into);

// Compiles request `index` of the plan (static_key and static_* are left to the caller).
[[nodiscard]] CompiledRequest compile_request(const TemplateCompiler& compiler, const Plan& plan,
                                              std::size_t index);

// Renders into `out` (cleared first). `journey_values`: the journey's variables, nullptr when
// the template has none. False when a journey value cannot be placed where it lands (a raw
// value with a line break in a header, a space in the path): `out` is then incomplete.
bool render_template(const CompiledTemplate& parts,
                     const std::vector<std::unique_ptr<Feeder>>& feeders,
                     const std::vector<std::string>* journey_values, std::string& out);

}  // namespace volley::scenarios
