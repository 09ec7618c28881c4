#include "resolver/naive_walk.hpp"

#include "resolver/id.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace volley::resolver {
namespace {

AncestorsResult failure(Status status, std::string error) {
    AncestorsResult r;
    r.status = status;
    r.error = std::move(error);
    return r;
}

}  // namespace

AncestorsResult walk_ancestors_naively(LiveStore& live, std::string_view id, Deadline deadline) {
    if (!valid_id(id)) return failure(Status::invalid_id, "malformed entity id");
    std::vector<std::string> chain;  // nearest parent first
    std::string current(id);
    try {
        for (;;) {
            if (Clock::now() >= deadline)
                return failure(Status::timeout, "request deadline passed during the walk");
            const auto link = live.parent_link(current, deadline);
            if (!link) {
                if (chain.empty()) {
                    AncestorsResult r;
                    r.status = Status::not_found;
                    r.served_by = Tier::l4_live;
                    return r;
                }
                return failure(Status::unavailable, "the parent chain of " + std::string(id) +
                                                        " breaks at " + current +
                                                        " (no row; written concurrently?)");
            }
            if (link->parent_id.empty()) break;  // current is a root
            chain.push_back(link->parent_id);
            if (link->parent_is_root) break;
            if (chain.size() >= max_walk_levels)
                return failure(Status::unavailable, "the parent chain of " + std::string(id) +
                                                        " is longer than " +
                                                        std::to_string(max_walk_levels) +
                                                        " levels (a parent_id cycle?)");
            current = link->parent_id;
        }
    } catch (const BackendError& e) {
        return failure(
            e.kind() == BackendError::Kind::timeout ? Status::timeout : Status::unavailable,
            e.what());
    } catch (const std::exception& e) {
        return failure(Status::unavailable, e.what());
    }
    std::reverse(chain.begin(), chain.end());
    AncestorsResult r;
    r.status = Status::ok;
    r.served_by = Tier::l4_live;
    r.value = make_ancestors(std::move(chain));
    return r;
}

}  // namespace volley::resolver
