// Helpers shared by the integration tests.
#pragma once

#include "support/process.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace volley::testing {

inline boost::json::object read_summary(const std::string& dir) {
    return boost::json::parse(read_file(dir + "/summary.json")).as_object();
}

inline double number(const boost::json::value& v) {
    if (v.is_double()) return v.get_double();
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    return -1;
}

inline double at(const boost::json::object& o, std::initializer_list<const char*> path) {
    const boost::json::value* v = nullptr;
    const boost::json::object* cur = &o;
    for (const char* key : path) {
        v = &cur->at(key);
        if (v->is_object()) cur = &v->get_object();
    }
    return number(*v);
}

inline ProcessResult run_volley(std::vector<std::string> args,
                                std::chrono::seconds timeout = std::chrono::seconds(120),
                                const std::vector<SignalCue>& signals = {}) {
    args.insert(args.begin(), volley_binary());
    return run_process(args, timeout, signals);
}

}  // namespace volley::testing
