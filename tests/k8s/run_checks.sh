#!/usr/bin/env bash
# CTest k8s_manifests: the Kubernetes manifests validate offline against the API schema with no
# unknown keys (check_manifests.mjs): the committed example (deploy/k8s/), the golden file, and
# a fresh `volley k8s` with the other options (namespace, existing claim). Skipped (exit 77)
# only when node is not installed; the npm packages are installed when missing.
#   usage: run_checks.sh VOLLEY_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
volley="$1"
if ! command -v node >/dev/null; then
  echo "SKIP: node is not installed: the Kubernetes manifest checks need it (apt-get install nodejs)"
  exit 77
fi
source "$root/scripts/lib.sh"
volley_ensure_node_modules
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$volley" k8s "$root/scenarios/load.yaml" --segments 3 --image registry.example/volley:1.0 \
  --namespace load-tests --volume-claim shared-results --cpu 4 --memory 8Gi -o "$tmp/other"
node "$here/check_manifests.mjs" "$VOLLEY_NODE_CACHE" "$root"/deploy/k8s/*.yaml \
  "$root/tests/fixtures/k8s/load-4-segments.yaml" "$tmp"/other/*.yaml
