#!/usr/bin/env bash
# bench/resolver/run.sh: builds volley_resolver_bench (Release), starts a throwaway PostgreSQL 15
# and Redis on loopback (scripts/services.sh), runs every resolver benchmark and prints each
# beside its peer. Extra arguments go to the benchmark binary (e.g. --benchmark_filter=L1).
#   VOLLEY_BENCH_BUILD=DIR   build directory (default build-bench)
#   VOLLEY_BENCH_BINARY=PATH use this binary instead of building
#   VOLLEY_PG_FSYNC=on       keep PostgreSQL durability on (default off, as in tests)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib.sh"
source "$VOLLEY_ROOT/scripts/services.sh"

binary="${VOLLEY_BENCH_BINARY:-}"
if [ -z "$binary" ]; then
  volley_ensure_packages "${VOLLEY_BUILD_PACKAGES[@]}" postgresql-15 redis-server
  build="${VOLLEY_BENCH_BUILD:-$VOLLEY_ROOT/build-bench}"
  volley_build "$build" -DCMAKE_BUILD_TYPE=Release -DVOLLEY_TESTS=OFF -- volley_resolver_bench
  binary="$build/bench/resolver/volley_resolver_bench"
fi

trap volley_stop_services EXIT
volley_start_postgres
volley_start_redis

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$binary" "$@"
