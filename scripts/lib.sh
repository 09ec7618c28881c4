# shellcheck shell=bash
# Shared set-up for scripts/run, scripts/test and bench/*: install what is missing, then build.
# Source it; it defines functions only.

VOLLEY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages the build needs.
VOLLEY_BUILD_PACKAGES=(
  cmake ninja-build g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libpqxx-dev libhiredis-dev libssl-dev zlib1g-dev libnghttp2-dev
  libcli11-dev libfmt-dev catch2 libbenchmark-dev
)

# npm packages of the offline Kubernetes manifest checks (tests/k8s/), installed into
# $VOLLEY_NODE_CACHE by volley_ensure_node_modules.
VOLLEY_NODE_PACKAGES=(kubernetes-models@5.1.0 yaml@2.9.1 typescript@5.9.3)
VOLLEY_NODE_CACHE="${VOLLEY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/volley/node}"

# Installs VOLLEY_NODE_PACKAGES into $VOLLEY_NODE_CACHE/node_modules unless that exact list is
# there already (needs node and npm; npm comes from Debian's package when missing).
volley_ensure_node_modules() {
  local dir="$VOLLEY_NODE_CACHE" want="${VOLLEY_NODE_PACKAGES[*]}"
  if [ -f "$dir/.volley-packages" ] && [ "$(cat "$dir/.volley-packages")" = "$want" ]; then
    return 0
  fi
  command -v npm >/dev/null || volley_ensure_packages npm || return 1
  mkdir -p "$dir"
  echo "volley: installing $want into $dir" >&2
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${VOLLEY_NODE_PACKAGES[@]}" >&2 ||
    return 1
  printf '%s\n' "$want" > "$dir/.volley-packages"
}

# Installs the given Debian packages that are not installed yet (nothing when all are).
volley_ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "volley: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  if [ -z "${VOLLEY_APT_UPDATED:-}" ]; then
    "${sudo[@]}" apt-get update -qq >&2 || return 1
    export VOLLEY_APT_UPDATED=1
  fi
  # No package may start a system service (prometheus, postgresql, redis-server would): the tests
  # run their own on loopback. A policy-rc.d that refuses every start does that for invoke-rc.d
  # and deb-systemd-invoke; one already there (a container's) is left as it is.
  local policy=/usr/sbin/policy-rc.d added_policy="" status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null &&
      "${sudo[@]}" chmod +x "$policy" && added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
  [ -n "$added_policy" ] && "${sudo[@]}" rm -f "$policy"
  return "$status"
}

# volley_build DIR [cmake options...] -- [ninja targets...]: configures DIR, then builds
# incrementally. The options DIR was configured with are kept in DIR/.volley-options; while they
# are the same, CMake is not run again (ninja re-runs it itself when a CMakeLists.txt changes).
# When they differ, DIR is configured afresh from these options alone: its CMakeCache.txt is
# removed first, so an option left out goes back to its default instead of keeping its old
# value. Object files stay; ninja rebuilds what the new flags change.
volley_build() {
  local dir="$1"; shift
  local options=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  targets=("$@")
  local stamp="$dir/.volley-options" wanted
  wanted="$(printf '%s\n' -G Ninja -S "$VOLLEY_ROOT" "${options[@]}")"
  if [ ! -f "$dir/build.ninja" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    if [ -f "$dir/CMakeCache.txt" ]; then
      echo "volley: $dir: options changed (or not recorded): configuring it afresh" >&2
      rm -f "$dir/CMakeCache.txt" "$stamp"
    fi
    cmake -G Ninja -S "$VOLLEY_ROOT" -B "$dir" "${options[@]}" >&2 || return 1
    printf '%s\n' "$wanted" > "$stamp"
  fi
  ninja -C "$dir" -j"${VOLLEY_JOBS:-$(nproc)}" "${targets[@]}" >&2
}

# The sanitizer build, build-asan (scripts/test's second pass and scripts/fuzz): clang with ASan +
# UBSan and libFuzzer's coverage instrumentation, so one build serves the sanitized tests and the
# fuzz targets (tests/fuzz/CMakeLists.txt). -O1, as the sanitizers' documentation advises.
VOLLEY_SANITIZER_PACKAGES=(clang libclang-rt-14-dev)
volley_build_sanitized() {  # [ninja targets...]
  volley_ensure_packages "${VOLLEY_SANITIZER_PACKAGES[@]}" || return 1
  volley_build "$VOLLEY_ROOT/build-asan" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1" -DVOLLEY_SANITIZE=ON -DVOLLEY_FUZZ=ON -DVOLLEY_WERROR=ON \
    -DVOLLEY_BENCH=OFF -- "$@"
}

# The fuzz targets' names (NAME of tests/fuzz/fuzz_NAME.cpp), one per line, as registered in
# tests/fuzz/CMakeLists.txt.
volley_fuzz_names() {
  sed -n 's/^volley_fuzzer(\([a-z0-9_]*\) .*/\1/p' "$VOLLEY_ROOT/tests/fuzz/CMakeLists.txt"
}
