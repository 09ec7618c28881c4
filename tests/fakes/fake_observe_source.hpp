// A scripted ObserveSource (observe/source.hpp): each sample() returns the next scripted answer,
// or throws SourceError with the scripted reason. Records the contexts it was given.
#pragma once

#include "observe/source.hpp"

#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace volley::tests {

class FakeObserveSource final : public observe::ObserveSource {
public:
    using Answer = std::variant<observe::SourceSample, std::string>;  // a sample, or an error

    explicit FakeObserveSource(std::string name, std::deque<Answer> answers)
        : name_(std::move(name)), answers_(std::move(answers)) {}

    [[nodiscard]] std::string name() const override { return name_; }

    observe::SourceSample sample(const observe::SampleContext& context) override {
        seen_completed.push_back(context.completed);
        if (answers_.empty()) return {};
        Answer answer = std::move(answers_.front());
        answers_.pop_front();
        if (auto* error = std::get_if<std::string>(&answer)) throw observe::SourceError(*error);
        return std::get<observe::SourceSample>(std::move(answer));
    }

    std::vector<std::uint64_t> seen_completed;  // SampleContext::completed of every call

private:
    std::string name_;
    std::deque<Answer> answers_;
};

// A source computed from its call number (0 = the baseline) and the context; throws
// SourceError with the text when the function returns a string.
class FunctionObserveSource final : public observe::ObserveSource {
public:
    using Answer = std::variant<observe::SourceSample, std::string>;
    using Function = std::function<Answer(std::size_t call, const observe::SampleContext&)>;

    FunctionObserveSource(std::string name, Function function)
        : name_(std::move(name)), function_(std::move(function)) {}

    [[nodiscard]] std::string name() const override { return name_; }

    observe::SourceSample sample(const observe::SampleContext& context) override {
        Answer answer = function_(calls_++, context);
        if (auto* error = std::get_if<std::string>(&answer)) throw observe::SourceError(*error);
        return std::get<observe::SourceSample>(std::move(answer));
    }

private:
    std::string name_;
    Function function_;
    std::size_t calls_ = 0;
};

// One value of a sample.
inline reports::ObservedValue observed_value(std::string series, reports::ObservedKind kind,
                                             double num, double den = 0, std::string unit = "") {
    return reports::ObservedValue{std::move(series), kind, std::move(unit), {num, den}};
}

}  // namespace volley::tests
