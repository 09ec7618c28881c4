// The Kubernetes manifests of a distributed run (docs/distributed.md "Kubernetes"): a ConfigMap
// holding the scenario, a results volume claim, an Indexed Job whose pod i runs segment i of n
// with a synchronised start, and a merge Job that waits for every segment and runs volley merge.
// Pure text generation, deterministic for its settings: `volley k8s` (apps/k8s_command.cpp)
// gathers the settings, the tests compare the text with golden files and validate it against
// the Kubernetes API schema (tests/k8s/).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace volley::apps {

struct K8sSettings {
    std::string name;            // the run's Job name: a DNS-1123 label (k8s_run_name)
    std::string namespace_name;  // "": none written (kubectl's current namespace)
    std::string image;           // holds /usr/local/bin/volley and /bin/sh (deploy/Dockerfile)
    std::size_t segments = 1;
    std::string scenario_file;                       // file name in the ConfigMap (no directory)
    std::string scenario_yaml;                       // its text
    std::chrono::system_clock::time_point start_at;  // a whole second
    std::string max_start_lag = "1s";
    std::string cpu = "1";        // a whole number of CPUs (Guaranteed QoS, static CPU manager)
    std::string memory = "1Gi";   // a Kubernetes quantity
    std::string storage_class;    // "": the cluster's default class
    std::string volume_claim;     // an existing ReadWriteMany claim; "": one is generated
    std::string storage = "1Gi";  // the generated claim's size
    // How long after start_at the merge Job waits for the last segment before it gives up: the
    // scenario's warm-up, length and drain plus a margin (k8s_merge_wait).
    std::chrono::seconds merge_wait{std::chrono::minutes(15)};
};

struct K8sManifest {
    std::string file_name;  // e.g. "job.yaml"
    std::string yaml;       // one YAML document
};

// The manifests in the order to apply them: [claim,] ConfigMap, segment Job, merge Job. Throws
// std::invalid_argument naming the setting for a value Kubernetes would refuse.
[[nodiscard]] std::vector<K8sManifest> k8s_manifests(const K8sSettings& settings);

// All manifests as one multi-document YAML stream (`volley k8s -o -`).
[[nodiscard]] std::string k8s_manifest_stream(const std::vector<K8sManifest>& manifests);

// "volley-" + the scenario's name made a DNS-1123 label (lower case, [a-z0-9-], at most 40
// characters so that "<name>-merge" and the pods' "<name>-<index>-<random>" stay valid).
[[nodiscard]] std::string k8s_run_name(std::string_view scenario_name);

// Where the segments of a run write on the shared volume: /results/<name>/<start, compact>
// (a fresh directory per start time, so a re-run never merges an older run's segments).
[[nodiscard]] std::string k8s_run_directory(const K8sSettings& settings);

}  // namespace volley::apps
