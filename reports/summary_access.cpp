#include "reports/summary_access.hpp"

#include <boost/json.hpp>

namespace volley::reports {

const boost::json::value* value_at(const boost::json::object& root, std::string_view dotted_path) {
    const boost::json::object* current = &root;
    while (true) {
        const auto dot = dotted_path.find('.');
        const std::string_view key = dotted_path.substr(0, dot);
        const auto* found = current->if_contains(key);
        if (found == nullptr || dot == std::string_view::npos) return found;
        current = found->if_object();
        if (current == nullptr) return nullptr;
        dotted_path.remove_prefix(dot + 1);
    }
}

const boost::json::object* object_at(const boost::json::object& root,
                                     std::string_view dotted_path) {
    const auto* value = value_at(root, dotted_path);
    return value == nullptr ? nullptr : value->if_object();
}

const boost::json::array* array_at(const boost::json::object& root, std::string_view dotted_path) {
    const auto* value = value_at(root, dotted_path);
    return value == nullptr ? nullptr : value->if_array();
}

std::optional<double> as_number(const boost::json::value* value) {
    if (value == nullptr) return std::nullopt;
    if (const auto* d = value->if_double()) return *d;
    if (const auto* i = value->if_int64()) return static_cast<double>(*i);
    if (const auto* u = value->if_uint64()) return static_cast<double>(*u);
    return std::nullopt;
}

std::optional<double> number_at(const boost::json::object& root, std::string_view dotted_path) {
    return as_number(value_at(root, dotted_path));
}

std::optional<bool> bool_at(const boost::json::object& root, std::string_view dotted_path) {
    const auto* value = value_at(root, dotted_path);
    if (value == nullptr || !value->is_bool()) return std::nullopt;
    return value->get_bool();
}

std::string string_at(const boost::json::object& root, std::string_view dotted_path) {
    const auto* value = value_at(root, dotted_path);
    if (value == nullptr || !value->is_string()) return {};
    return std::string(value->get_string());
}

}  // namespace volley::reports
