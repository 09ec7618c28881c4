// volley's exit codes (docs/architecture.md "Exit codes and verdict"), one set for every command.
#pragma once

namespace volley::pipeline {

inline constexpr int kExitPass = 0;
inline constexpr int kExitCannotRun = 1;
inline constexpr int kExitUsage = 2;
// A run given --start-at could not begin within --max-start-lag of it (docs/distributed.md).
inline constexpr int kExitStartMissed = 3;
inline constexpr int kExitThresholdFailed = 99;
inline constexpr int kExitInterrupted = 130;

}  // namespace volley::pipeline
