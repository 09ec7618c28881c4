// `volley record`: a recording reverse proxy (docs/replay.md "Recording"). Every request it
// forwards is written to a GoReplay capture as a request record (type 1) and its response as
// a response record (type 2) with the same 24-hex id, Unix-ns timestamps, the response's
// latency in ns and the client connection's serial number (1, 2, … per run). It listens on
// plain HTTP or, with a certificate and key, on HTTPS (the capture holds the plaintext), and
// forwards to an http:// or https:// upstream. SIGINT/SIGTERM stop it: no new connections,
// exchanges in progress finish (up to 5 s), and the file is closed complete (gzip trailer
// included).
#pragma once

#include <string>

namespace volley::apps {

struct RecordOptions {
    std::string listen = "127.0.0.1:8079";  // HOST:PORT; port 0 = any free port (printed)
    std::string upstream;                   // http[s]://host[:port][/prefix]
    std::string output;                     // .gor, or .gor.gz for a gzip capture
    std::string tls_cert;   // PEM certificate chain: listen with TLS (needs tls_key)
    std::string tls_key;    // PEM private key of tls_cert
    std::string ca_file;    // https upstream: trust these PEM certificates, not the system's
    bool insecure = false;  // https upstream: do not verify its certificate
    bool quiet = false;
};

// Exit codes: 0 stopped by a signal with the capture complete, 1 cannot listen or write,
// 2 bad options (also unreadable or mismatched TLS files, and --ca-file or --insecure with an
// http:// upstream).
int record_command(const RecordOptions& options);

}  // namespace volley::apps
