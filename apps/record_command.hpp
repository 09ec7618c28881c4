// `volley record`: a recording reverse proxy (docs/replay.md "Recording"). Every request it
// forwards is written to a GoReplay capture as a request record (type 1) and its response as
// a response record (type 2) with the same 24-hex id, Unix-ns timestamps and the response's
// latency in ns. SIGINT/SIGTERM stop it: no new connections, exchanges in progress finish
// (up to 5 s), and the file is closed complete (gzip trailer included).
#pragma once

#include <string>

namespace volley::apps {

struct RecordOptions {
    std::string listen = "127.0.0.1:8079";  // HOST:PORT; port 0 = any free port (printed)
    std::string upstream;                    // http://host[:port][/prefix]
    std::string output;                      // .gor, or .gor.gz for a gzip capture
    bool quiet = false;
};

// Exit codes: 0 stopped by a signal with the capture complete, 1 cannot listen or write,
// 2 bad options.
int record_command(const RecordOptions& options);

}  // namespace volley::apps
