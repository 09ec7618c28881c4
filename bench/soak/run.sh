#!/usr/bin/env bash
# Soak: volley at a steady rate for 10 minutes against the loopback test server: a soak-type
# scenario without ramp-up, so its p99 drift window is a tenth of the run (60 s for the default
# 10 minutes), and a p(99) threshold judged in every 60 s window. The volley process's RSS
# (/proc/PID/status VmRSS) and open file descriptors (/proc/PID/fd) are sampled every few
# seconds, and the least-squares slope of each is printed with whether it is within noise.
# Flat means: memory and descriptors do not grow with run length (docs/architecture.md
# "Engine": intervals are swapped, not accumulated; connections are kept, not leaked).
#
#   bench/soak/run.sh [BUILD_DIR]                  (default: build)
#   SECONDS_TOTAL=120 RATE=2000 bench/soak/run.sh  (a shorter or faster run)
#
# Settings (environment): SECONDS_TOTAL run length in seconds (600), RATE requests/s (1000),
# CONNECTIONS (32), THREADS (1), SAMPLE_S seconds between samples (5), SKIP_S seconds left out of
# the fit at the start (60: the ramp-up, the first connections, the allocator's first growth).
# Needs the volley and volley_test_server targets built and python3.
#
# Within noise: the slope's t-statistic (slope / its standard error) is below 3, or the fitted
# change over the fitted span is below 1 % of the mean RSS (RSS) or below one descriptor (fds).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
volley="$build/volley"
server="$build/tests/integration/volley_test_server"
for program in "$volley" "$server"; do
  [[ -x "$program" ]] || { echo "missing $program (build volley and volley_test_server first)" >&2; exit 2; }
done

seconds_total="${SECONDS_TOTAL:-600}"
rate="${RATE:-1000}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-1}"
sample_s="${SAMPLE_S:-5}"
skip_s="${SKIP_S:-60}"

work="$(mktemp -d "${TMPDIR:-/tmp}/volley-soak-XXXXXX")"
server_pid=""
volley_pid=""
cleanup() {
  [[ -n "$volley_pid" ]] && kill "$volley_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port="${VOLLEY_BENCH_PORT:-18090}"
"$server" --port "$port" > "$work/server.out" &
server_pid=$!
sleep 0.5

cat > "$work/soak.yaml" <<YAML
name: soak-bench
type: soak
target:
  http:
    base_url: http://127.0.0.1:$port
    connections: $connections
load:
  rate: $rate/s
  duration: ${seconds_total}s
  threads: $threads
  ramp_up: 0s
requests:
  - name: get
    method: GET
    path: /
thresholds:
  - expr: p(99) < 1s
    window: 60s
YAML

"$volley" run "$work/soak.yaml" -q -o "$work/out" > "$work/volley.out" 2>&1 &
volley_pid=$!
start=$(date +%s.%N)
: > "$work/samples"
while kill -0 "$volley_pid" 2>/dev/null; do
  now=$(date +%s.%N)
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$volley_pid/status" 2>/dev/null || true)
  fds=$(ls "/proc/$volley_pid/fd" 2>/dev/null | wc -l || true)
  [[ -n "$rss" ]] && echo "$(echo "$now - $start" | bc) $rss $fds" >> "$work/samples"
  sleep "$sample_s"
done
status=0
wait "$volley_pid" || status=$?
volley_pid=""
echo "volley exited $status after $(echo "$(date +%s.%N) - $start" | bc | cut -c1-6) s (rate ${rate}/s, ${seconds_total} s, -c $connections, -t $threads)"

python3 - "$work/samples" "$skip_s" "$work/out/summary.json" <<'PY'
import json, math, os, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
skip = float(sys.argv[2])
fit = [r for r in rows if r[0] >= skip]
if len(fit) < 3:
    sys.exit(f"only {len(fit)} samples after {skip:g} s: run longer or lower SKIP_S")

def slope(points):
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    residual = sum((y - my - b * (x - mx)) ** 2 for x, y in points)
    stderr = math.sqrt(residual / (n - 2) / sxx) if n > 2 else float("inf")
    return b, stderr, my

span = fit[-1][0] - fit[0][0]
print(f"samples {len(rows)} ({len(fit)} fitted, from {fit[0][0]:.0f} s to {fit[-1][0]:.0f} s)")
for name, column, unit, floor in (("rss", 1, "KiB", None), ("fds", 2, "", 1.0)):
    points = [(r[0], r[column]) for r in fit]
    b, se, mean = slope(points)
    change = b * span
    t = abs(b) / se if se > 0 else (0.0 if b == 0 else float("inf"))
    small = abs(change) < (floor if floor is not None else 0.01 * mean)
    verdict = "within noise" if (t < 3 or small) else "GROWING" if b > 0 else "shrinking"
    values = [y for _, y in points]
    print(f"{name:4} first {values[0]:.0f}{unit} last {values[-1]:.0f}{unit} min {min(values):.0f} "
          f"max {max(values):.0f}  slope {b * 60:+.3f} {unit}/min (stderr {se * 60:.3f}, t {t:.1f}), "
          f"fitted change {change:+.1f} {unit} over {span:.0f} s: {verdict}")
    if name == "rss":  # what a growth would be per interval (1 s) — e.g. one IntervalRow each
        print(f"     = {b * 1024:+.0f} bytes per second of run (per 1 s interval)")
if os.path.exists(sys.argv[3]):
    s = json.load(open(sys.argv[3]))
    t = s["totals"]
    print(f"requests {t['requests']} errors {t['errors']} dropped {t['dropped']} "
          f"unsent {t.get('unsent', 0)} throughput {t['throughput_rps']:.1f}/s "
          f"p99 {s['latency_ms']['p99']:.2f} ms verdict {s.get('verdict', '?')}")
PY
