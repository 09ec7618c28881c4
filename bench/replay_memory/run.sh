#!/usr/bin/env bash
# Peak memory of `volley replay` on a 100 MB and a 1 GB GoReplay capture, replayed at high
# speed against the loopback test server. A streaming reader keeps the two figures close: the
# capture is never held in memory (docs/architecture.md "Engine": memory does not grow with run
# length).
#
#   bench/replay_memory/run.sh [BUILD_DIR]      (default: build)
#   VOLLEY_BENCH_REPLAY_FLAGS=--per-connection bench/replay_memory/run.sh   (extra replay flags)
#
# Needs the volley and volley_test_server targets built, python3 and /usr/bin/time. Writes the
# captures under ${TMPDIR:-/tmp} (about 1.1 GB) and removes them afterwards.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
volley="$build/volley"
server="$build/tests/integration/volley_test_server"
for program in "$volley" "$server" /usr/bin/time; do
  [[ -x "$program" ]] || { echo "missing $program (build volley and volley_test_server first)" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/volley-replay-memory-XXXXXX")"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port="${VOLLEY_BENCH_PORT:-18089}"
"$server" --port "$port" > "$work/server.out" &
server_pid=$!
sleep 0.5

# One request per ms of capture time, replayed at speed 15: 15 000 requests/s asked for, which
# two cores shared with the server sustain. Faster, the generator falls behind and up to
# max_in_flight queued requests (10 000 by default) are held as well: more memory, still bounded.
speed="${VOLLEY_BENCH_SPEED:-15}"
printf '%-8s %10s %10s %10s %12s %12s %10s\n' size requests sent dropped lag_p99_ms peak_rss_kib seconds
for size_mb in 100 1024; do
  capture="$work/capture-${size_mb}.gor"
  python3 "$here/make_capture.py" "$capture" "$size_mb" 1000 > "$work/make.out"
  start=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$volley" replay "$capture" -u "http://127.0.0.1:$port" \
    --speed "$speed" -c 64 -t 2 -q -o "$work/out-$size_mb" --output-format json ${VOLLEY_BENCH_REPLAY_FLAGS:-}
  end=$(date +%s.%N)
  read -r requests sent dropped lag < <(python3 - "$work/out-$size_mb/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(s["analysis"]["replay"]["records"], s["totals"]["sent"], s["totals"]["dropped"], s["schedule_lag_ms"]["p99"])
PY
)
  printf '%-8s %10s %10s %10s %10.2f %12s %10.1f\n' "${size_mb}MB" "$requests" "$sent" "$dropped" "$lag" "$(cat "$work/rss")" \
    "$(echo "$end - $start" | bc)"
  rm -f "$capture"
done
