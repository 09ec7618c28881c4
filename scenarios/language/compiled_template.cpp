#include "scenarios/language/compiled_template.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace volley::scenarios {

CompiledTemplate TemplateCompiler::compile(const std::string& text, Field field, BodyKind body_kind,
                                           bool& uses_variables,
                                           std::vector<std::size_t>& variables) const {
    const Plan& plan = plan_;
    CompiledTemplate parts;
    auto add_literal = [&](std::string_view literal) {
        if (!parts.empty() && parts.back().variable == TemplatePart::kLiteral)
            parts.back().literal += literal;
        else
            parts.push_back(TemplatePart{std::string(literal)});
    };
    // A value known now (constant, environment) is encoded once, here.
    auto add_value = [&](std::string_view value, Position position, Encoding encoding,
                         std::string_view what) {
        if (auto problem = placement_problem(value, position, encoding); !problem.empty()) {
            throw std::invalid_argument(fmt::format("{}: the value {}", what, problem));
        }
        std::string encoded;
        append_encoded(encoded, value, encoding);
        add_literal(encoded);
    };
    const auto tokens = tokenize_template(text);
    const auto positions = token_positions(tokens, field, body_kind);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const TemplateToken& token = tokens[i];
        const Encoding encoding = encoding_for(positions[i], token.filter);
        switch (token.kind) {
            case TemplateToken::Kind::text: add_literal(token.text); break;
            case TemplateToken::Kind::env: {
                auto value = resolve_env(token);
                if (!value) {
                    throw std::invalid_argument(
                        fmt::format("environment variable {} is not set", token.text));
                }
                add_value(*value, positions[i], encoding, "environment variable " + token.text);
                break;
            }
            case TemplateToken::Kind::variable: {
                const auto found =
                    std::find_if(plan.variables.begin(), plan.variables.end(),
                                 [&](const auto& v) { return v.name == token.text; });
                if (found == plan.variables.end() && journey_variables_) {
                    const auto known = std::find(journey_variables_->begin(),
                                                 journey_variables_->end(), token.text);
                    if (known != journey_variables_->end()) {
                        TemplatePart part;
                        part.variable =
                            static_cast<std::size_t>(known - journey_variables_->begin());
                        part.encoding = encoding;
                        part.journey = true;
                        part.position = positions[i];
                        parts.push_back(std::move(part));
                        uses_variables = true;
                        break;
                    }
                }
                if (found == plan.variables.end()) {
                    throw std::invalid_argument(fmt::format("undefined variable '{}'", token.text));
                }
                const auto variable = static_cast<std::size_t>(found - plan.variables.begin());
                const std::size_t column = column_index(*found, token.field);
                if (std::holds_alternative<ConstantVariable>(found->source)) {
                    // constants render once
                    add_value(feeders_[variable]->value(0), positions[i], encoding,
                              "variable '" + token.text + "'");
                } else if (captured_) {
                    const std::pair<std::size_t, std::size_t> key{variable, column};
                    auto at = std::find(captured_->begin(), captured_->end(), key);
                    if (at == captured_->end()) at = captured_->insert(at, key);
                    TemplatePart part;
                    part.variable = journey_variables_->size() +
                                    static_cast<std::size_t>(at - captured_->begin());
                    part.encoding = encoding;
                    part.journey = true;
                    part.position = positions[i];
                    parts.push_back(std::move(part));
                    variables.push_back(variable);
                    uses_variables = true;
                } else {
                    parts.push_back(TemplatePart{{}, variable, column, encoding});
                    variables.push_back(variable);
                    uses_variables = true;
                }
                break;
            }
        }
    }
    return parts;
}

namespace {

const std::vector<Header>& target_headers(const Plan& plan) {
    static const std::vector<Header> none;
    const auto* http = std::get_if<HttpTargetSpec>(&plan.target);
    return http ? http->headers : none;
}

}  // namespace

CompiledRequest compile_request(const TemplateCompiler& compiler, const Plan& plan,
                                std::size_t index) {
    const RequestSpec& spec = plan.requests[index];
    CompiledRequest request;
    request.method = spec.method;
    bool uses_variables = false;
    const BodyKind body_kind = body_kind_of(spec.headers, target_headers(plan));
    request.path =
        compiler.compile(spec.path, Field::path, body_kind, uses_variables, request.variables);
    for (const auto& [name, value] : spec.headers) {
        request.headers.push_back(TemplatePart{name + ": "});
        CompiledTemplate value_parts =
            compiler.compile(value, Field::header, body_kind, uses_variables, request.variables);
        request.headers.insert(request.headers.end(), value_parts.begin(), value_parts.end());
        request.headers.push_back(TemplatePart{"\r\n"});
    }
    request.body =
        compiler.compile(spec.body, Field::body, body_kind, uses_variables, request.variables);
    std::sort(request.variables.begin(), request.variables.end());
    request.variables.erase(std::unique(request.variables.begin(), request.variables.end()),
                            request.variables.end());
    request.varies = uses_variables;
    return request;
}

bool render_template(const CompiledTemplate& parts,
                     const std::vector<std::unique_ptr<Feeder>>& feeders,
                     const std::vector<std::string>* journey_values, std::string& out) {
    out.clear();
    for (const TemplatePart& part : parts) {
        if (part.variable == TemplatePart::kLiteral) {
            out += part.literal;
        } else if (!part.journey) {
            append_encoded(out, feeders[part.variable]->value(part.column), part.encoding);
        } else {
            const std::string_view value = (*journey_values)[part.variable];
            // Extracted values are known only now: one a raw position cannot hold is refused.
            if (part.encoding == Encoding::raw &&
                !placement_problem(value, part.position, part.encoding).empty())
                return false;
            append_encoded(out, value, part.encoding);
        }
    }
    return true;
}

}  // namespace volley::scenarios

namespace volley::scenarios {

bool render_request(const CompiledRequest& request,
                    const std::vector<std::unique_ptr<Feeder>>& feeders,
                    const std::vector<std::string>* journey_values, RenderedRequest& into) {
    return render_template(request.path, feeders, journey_values, into.path) &&
           render_template(request.headers, feeders, journey_values, into.headers) &&
           render_template(request.body, feeders, journey_values, into.body);
}

}  // namespace volley::scenarios
