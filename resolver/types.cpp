#include "resolver/types.hpp"

namespace volley::resolver {

std::string_view tier_label(Tier t) {
    switch (t) {
        case Tier::l1_memory: return "L1";
        case Tier::l2_redis: return "L2";
        case Tier::l3_view: return "L3";
        case Tier::l4_live: return "L4";
        case Tier::none: break;
    }
    return "-";
}

std::string_view tier_name(Tier t) {
    switch (t) {
        case Tier::l1_memory: return "memory";
        case Tier::l2_redis: return "redis";
        case Tier::l3_view: return "view";
        case Tier::l4_live: return "live";
        case Tier::none: break;
    }
    return "none";
}

std::string_view status_name(Status s) {
    switch (s) {
        case Status::ok: return "ok";
        case Status::not_found: return "not_found";
        case Status::invalid_id: return "invalid_id";
        case Status::unavailable: return "unavailable";
        case Status::timeout: return "timeout";
    }
    return "unknown";
}

std::string_view write_status_name(WriteStatus s) {
    switch (s) {
        case WriteStatus::inserted: return "inserted";
        case WriteStatus::moved: return "moved";
        case WriteStatus::updated: return "updated";
        case WriteStatus::invalid_id: return "invalid_id";
        case WriteStatus::parent_not_found: return "parent_not_found";
        case WriteStatus::cycle: return "cycle";
        case WriteStatus::unavailable: return "unavailable";
        case WriteStatus::timeout: return "timeout";
    }
    return "unknown";
}

}  // namespace volley::resolver
