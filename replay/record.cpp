// The reader seam's shared parts and the replay format names.
#include "replay/record.hpp"
#include "replay/input_file.hpp"
#include "replay/replay_spec.hpp"

namespace volley::replay {

namespace {

// Reasons quote the input, which may be anything: keep them printable ASCII (and so valid
// UTF-8 in summary.json), escaping other bytes as \xHH, and short.
std::string printable(const std::string& text) {
    static constexpr char kHex[] = "0123456789abcdef";
    constexpr std::size_t kMaxChars = 200;
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            out.push_back(c);
        } else {
            out += "\\x";
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 15]);
        }
        if (out.size() >= kMaxChars) {
            out += "...";
            break;
        }
    }
    return out;
}

}  // namespace

void RecordReader::read_failed(const InputFile& in, std::uint64_t number, std::string_view what) {
    if (!in.failed() || reported_read_failure_) return;
    reported_read_failure_ = true;
    malformed(line_location(number),
              what.empty() ? in.error() : std::string(what) + " (" + in.error() + ")");
}

bool RecordReader::next_line(InputFile& in, std::size_t max_bytes, std::string& line,
                             std::uint64_t& number, bool& cut_by_error) {
    while (true) {
        number = in.line();
        const auto read = in.read_line(line, max_bytes);
        if (read == InputFile::Read::end) {
            read_failed(in, number);
            return false;
        }
        if (read == InputFile::Read::too_long) {
            malformed(line_location(number),
                      "the line is longer than " + std::to_string(max_bytes >> 20) + " MiB");
            continue;
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        cut_by_error = read == InputFile::Read::partial && in.failed();
        return true;
    }
}

void RecordReader::malformed(std::string location, std::string reason) {
    reason = printable(reason);
    if (strict_) throw ReplayInputError(file_, location, reason);
    ++counts_.malformed;
    if (counts_.first_malformed.size() < ReaderCounts::kMaxListed) {
        counts_.first_malformed.push_back({std::move(location), std::move(reason)});
    }
}

std::string_view replay_format_name(ReplayFormat format) {
    switch (format) {
        case ReplayFormat::gor: return "gor";
        case ReplayFormat::har: return "har";
        case ReplayFormat::combined: return "combined";
        case ReplayFormat::jsonl: return "jsonl";
    }
    return "gor";
}

std::optional<ReplayFormat> parse_replay_format(std::string_view name) {
    for (const auto format :
         {ReplayFormat::gor, ReplayFormat::har, ReplayFormat::combined, ReplayFormat::jsonl}) {
        if (name == replay_format_name(format)) return format;
    }
    return std::nullopt;
}

std::optional<ReplayFormat> guess_replay_format(std::string_view file_name) {
    if (file_name.size() > 3 && file_name.substr(file_name.size() - 3) == ".gz") {
        file_name.remove_suffix(3);
    }
    const auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const std::string_view extension = file_name.substr(dot + 1);
    if (extension == "gor") return ReplayFormat::gor;
    if (extension == "har") return ReplayFormat::har;
    if (extension == "jsonl" || extension == "ndjson") return ReplayFormat::jsonl;
    if (extension == "log") return ReplayFormat::combined;
    return std::nullopt;
}

}  // namespace volley::replay
