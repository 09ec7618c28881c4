#include "resolver/l2_codec.hpp"

#include "resolver/id.hpp"

#include <charconv>
#include <vector>

namespace volley::resolver {

std::string l2_key(std::string_view prefix, LookupKind kind, std::uint64_t generation,
                   std::string_view id) {
    std::string key;
    key.reserve(prefix.size() + id.size() + 24);
    key.append(prefix);
    key.push_back(static_cast<char>(kind));
    key.push_back(':');
    key.append(std::to_string(generation));
    key.push_back(':');
    key.append(id);
    return key;
}

std::string encode_l2_value(LookupKind kind, const CachedAnswer& answer) {
    if (answer.not_found) return "N";
    if (kind == LookupKind::count) return "C" + std::to_string(answer.count);
    std::string out = "A";
    if (answer.ancestors) {
        bool first = true;
        for (const auto& id : answer.ancestors->ids) {
            if (!first) out.push_back(',');
            out.append(id);
            first = false;
        }
    }
    return out;
}

std::optional<CachedAnswer> decode_l2_value(LookupKind kind, std::string_view value) {
    if (value == "N") return CachedAnswer{true, nullptr, 0};
    if (value.empty()) return std::nullopt;
    if (kind == LookupKind::count) {
        if (value[0] != 'C') return std::nullopt;
        std::int64_t n = 0;
        const char* end = value.data() + value.size();
        auto [ptr, ec] = std::from_chars(value.data() + 1, end, n);
        if (ec != std::errc{} || ptr != end || n < 0) return std::nullopt;
        return CachedAnswer{false, nullptr, n};
    }
    if (value[0] != 'A') return std::nullopt;
    std::vector<std::string> ids;
    std::string_view rest = value.substr(1);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view id = rest.substr(0, comma);
        if (!valid_id(id)) return std::nullopt;
        ids.emplace_back(id);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
        if (rest.empty()) return std::nullopt;  // trailing comma
    }
    return CachedAnswer{false, make_ancestors(std::move(ids)), 0};
}

}  // namespace volley::resolver
