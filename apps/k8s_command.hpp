// `volley k8s SCENARIO --segments N --image IMG …`: writes the Kubernetes manifests of a
// distributed run (apps/k8s_manifests.hpp, docs/distributed.md "Kubernetes").
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_k8s_command(CLI::App& app, int& exit_code);

}  // namespace volley::apps
