// Placeholder until the embedded store lands (history design part C).
#include "history/local_store.hpp"

namespace volley::history {

LocalHistoryStore::LocalHistoryStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
std::string LocalHistoryStore::location() const { return dir_.string(); }
std::string LocalHistoryStore::add(const std::filesystem::path&) {
    throw StoreError("embedded history store: not implemented yet");
}
RunListing LocalHistoryStore::list(const RunQuery&) {
    throw StoreError("embedded history store: not implemented yet");
}
RunSample LocalHistoryStore::sample(const std::string&) {
    throw StoreError("embedded history store: not implemented yet");
}

}  // namespace volley::history
