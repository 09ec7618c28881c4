// Helpers shared by the replay tests.
#pragma once

#include "replay/record.hpp"
#include "replay/replay_spec.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace volley::replay_test {

inline std::string fixture(const std::string& name) {
    return std::string(VOLLEY_FIXTURES_DIR) + "/replay/" + name;
}

// A file in a fresh temporary directory, removed with the object.
class TempFile {
public:
    TempFile(const std::string& name, const std::string& content) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "volley-replay-XXXXXX").string();
        dir_ = mkdtemp(pattern.data()) ? pattern : std::string();
        path_ = dir_ + "/" + name;
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~TempFile() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const std::string& dir() const { return dir_; }

private:
    std::string dir_, path_;
};

// Every record a reader yields.
inline std::vector<replay::ReplayRecord> read_all(replay::RecordReader& reader) {
    std::vector<replay::ReplayRecord> out;
    replay::ReplayRecord record;
    while (reader.next(record)) out.push_back(record);
    return out;
}

// The value of the first header called `name` (case-insensitive), "" when absent.
inline std::string header(const replay::ReplayRecord& record, std::string name) {
    const auto lower = [](std::string text) {
        for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return text;
    };
    for (const auto& [key, value] : record.headers) {
        if (lower(key) == lower(name)) return value;
    }
    return "";
}

// One JSONL line with a timestamp in ns and a unique path.
inline std::string jsonl_line(std::int64_t ts_ns, const std::string& path,
                              const std::string& method = "GET") {
    return "{\"ts\": " + std::to_string(ts_ns) + ", \"method\": \"" + method + "\", \"path\": \"" +
           path + "\"}\n";
}

}  // namespace volley::replay_test
