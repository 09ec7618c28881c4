#!/usr/bin/env bash
# bench/resolver/run.sh: builds volley_resolver_bench and volley (Release), starts a throwaway
# PostgreSQL 15 and Redis on loopback (scripts/services.sh), runs every resolver benchmark and
# prints each beside its peer; then, end to end with the volley binary: the view refresh at
# 10,000 and 100,000 entities (`volley resolver refresh --rebuild`, median of 5) and the HTTP throughput
# of `volley resolver serve` driven by `volley run` at fixed open-model rates, with the highest
# rate whose p95 stays within the seed's 1.87 ms. Extra arguments go to the benchmark binary
# (e.g. --benchmark_filter=L1).
#   VOLLEY_BENCH_BUILD=DIR    build directory (default build-bench)
#   VOLLEY_BENCH_BINARY=PATH  use this benchmark binary instead of building
#   VOLLEY_BENCH_VOLLEY=PATH  use this volley binary for the end-to-end part (e.g. an older
#                             build, for a before/after table)
#   VOLLEY_BENCH_RATES="..."  open-model rates of the HTTP part (default 10000 20000 30000 40000 50000)
#   VOLLEY_PG_FSYNC=on        keep PostgreSQL durability on (default off, as in tests)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib.sh"
source "$VOLLEY_ROOT/scripts/services.sh"

binary="${VOLLEY_BENCH_BINARY:-}"
if [ -z "$binary" ]; then
  volley_ensure_packages "${VOLLEY_BUILD_PACKAGES[@]}" postgresql-15 redis-server
  build="${VOLLEY_BENCH_BUILD:-$VOLLEY_ROOT/build-bench}"
  volley_build "$build" -DCMAKE_BUILD_TYPE=Release -DVOLLEY_TESTS=OFF -- volley_resolver_bench volley
  binary="$build/bench/resolver/volley_resolver_bench"
fi
volley="${VOLLEY_BENCH_VOLLEY:-${VOLLEY_BENCH_BUILD:-$VOLLEY_ROOT/build-bench}/volley}"

trap volley_stop_services EXIT
volley_start_postgres
volley_start_redis

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$binary" "$@"

# --- end to end, with the volley binary ---------------------------------------------------------
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
  volley_stop_services
}
trap cleanup EXIT

echo
echo "== view refresh of every row, end to end ($volley resolver refresh --rebuild; 5 runs, median)"
for n in 10000 100000; do
  "$volley" resolver init --postgres "$VOLLEY_PG_URL" --schema "bench_e2e_$n" --entities "$n" >/dev/null
  for _ in 1 2 3 4 5; do
    "$volley" resolver refresh --rebuild --postgres "$VOLLEY_PG_URL" --schema "bench_e2e_$n" |
      sed -n 's/^refresh_hierarchy_views(): \([0-9.]*\) ms.*/\1/p'
  done | sort -n | awk -v n="$n" '{v[NR]=$1} END {printf "  %6d entities: median %.1f ms (min %.1f, max %.1f)\n", n, v[3], v[1], v[5]}'
done

port=$((20000 + RANDOM % 20000))
echo
echo "== HTTP: volley resolver serve (2 instances, 1 I/O thread) <- volley run (open model, 64 connections, 1 thread), 100,000 entities"
"$volley" resolver serve --listen "127.0.0.1:$port" --postgres "$VOLLEY_PG_URL" --schema bench_e2e_100000 \
  --redis "$VOLLEY_REDIS_URL" --instances 2 --threads 1 >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -qs listening "$work/serve.log" && break; sleep 0.1; done
rates="${VOLLEY_BENCH_RATES:-10000 20000 30000 40000 50000}"
best=0
# The first pass, at the lowest rate, fills L1 and L2 and is not reported: the figures are
# steady-state ones (volley slo's mixed and http phases measure the cold state after a refresh).
for rate in "warm-up:${rates%% *}" $rates; do
  reported=1
  if [ "${rate#warm-up:}" != "$rate" ]; then reported=0; rate="${rate#warm-up:}"; fi
  cat >"$work/http.yaml" <<YAML
name: resolver-http-$rate
target: {http: {base_url: "http://127.0.0.1:$port", connections: 64}}
load: {rate: $rate/s, duration: 5s, threads: 1}
variables:
  id: {type: zipf, n: 100000, s: 1.0, format: "entity_%06d"}
requests:
  - {name: ancestors, path: "/entities/\${id}/ancestors", weight: 9}
  - {name: descendant_count, path: "/entities/\${id}/descendants/count", weight: 1}
YAML
  "$volley" run "$work/http.yaml" -q -o "$work/run-$rate" >/dev/null 2>&1 || true
  [ "$reported" = 1 ] || continue
  python3 - "$work/run-$rate/summary.json" "$rate" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"  offered {int(sys.argv[2]):>6}/s  achieved {s['totals']['throughput_rps']:>9.0f}/s  "
      f"p50 {s['latency_ms']['p50']:.3f} ms  p95 {s['latency_ms']['p95']:.3f} ms  "
      f"p99 {s['latency_ms']['p99']:.3f} ms  errors {s['totals']['errors']}")
PY
  p95=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['latency_ms']['p95'])" "$work/run-$rate/summary.json")
  achieved=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['throughput_rps'])" "$work/run-$rate/summary.json")
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 1.87 and float(sys.argv[2]) >= 0.99 * float(sys.argv[3]) else 1)" "$p95" "$achieved" "$rate"; then
    best=$rate
  fi
done
echo "  highest offered rate kept (>= 99 % achieved) with p95 <= 1.87 ms: ${best}/s"
