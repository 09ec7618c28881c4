// The process source of `observe: {process: {pid | name}}` (docs/observe-sources.md "process"):
// a process on this machine read from /proc once per interval, for soak leak detection.
//   process.rss       gauge  bytes  VmRSS of /proc/PID/status
//   process.cpu       rate   cores  (utime + stime) Δ of /proc/PID/stat, in seconds, over the
//                                   interval's seconds (SampleContext::interval_s)
//   process.open_fds  gauge  count  entries of /proc/PID/fd
//   process.threads   gauge  count  num_threads of /proc/PID/stat
// By pid, or by name: the `comm` of /proc/PID/stat (the kernel's 15-character name), the oldest
// process of that name (earliest start time; lowest pid on a tie). A process found by name is
// found again when it exits (a restarted service: its first sample is a new baseline); none
// found -> SourceError "no process named X". A pid that is gone — or was reused by another
// process since the first sample — -> SourceError. Reading /proc never blocks, so the source
// takes no timeout.
#pragma once

#include "observe/observe_spec.hpp"
#include "observe/source.hpp"

#include <filesystem>
#include <memory>

namespace volley::observe {

// Throws std::invalid_argument when the spec names neither a pid (> 0) nor a name, or both.
[[nodiscard]] std::unique_ptr<ObserveSource> make_process_source(const ProcessSourceSpec& spec);

// The same over another /proc tree (tests build one in a temp directory); `clock_ticks_per_s`
// converts /proc/PID/stat's utime and stime to seconds.
[[nodiscard]] std::unique_ptr<ObserveSource> make_process_source(const ProcessSourceSpec& spec,
                                                                 std::filesystem::path proc_root,
                                                                 long clock_ticks_per_s);

}  // namespace volley::observe
