// The Kubernetes manifests of a distributed run (apps/k8s_manifests.hpp), read back as YAML:
// the Indexed Job's shape, the pod failure policy, Guaranteed resources, anti-affinity, the
// shared volume and the merge Job's wait, and refusals of values Kubernetes would not take.
// The exact text is compared with a golden file in tests/integration/test_k8s_command.cpp and
// validated against the Kubernetes API schema in tests/k8s/.
#include "apps/k8s_manifests.hpp"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <stdexcept>

using namespace volley::apps;
using namespace std::chrono_literals;

namespace {

K8sSettings settings() {
    K8sSettings s;
    s.name = k8s_run_name("load");
    s.image = "registry.example/volley:1.0";
    s.segments = 4;
    s.scenario_file = "load.yaml";
    s.scenario_yaml = "name: load\nload:\n  rate: 200/s\n  duration: 60s\n";
    s.start_at = std::chrono::system_clock::time_point{
        std::chrono::sys_days{std::chrono::year{2026} / 12 / 6}.time_since_epoch() + 10h};
    s.cpu = "2";
    s.memory = "2Gi";
    s.merge_wait = 675s;
    return s;
}

YAML::Node manifest(const std::vector<K8sManifest>& all, const std::string& file) {
    for (const auto& m : all)
        if (m.file_name == file) return YAML::Load(m.yaml);
    FAIL("no " << file);
    return {};
}

std::string refusal(const K8sSettings& s) {
    try {
        (void)k8s_manifests(s);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("the segment Job is Indexed, one pod per segment, each pod running its segment") {
    const auto all = k8s_manifests(settings());
    const auto job = manifest(all, "segments-job.yaml");
    CHECK(job["kind"].as<std::string>() == "Job");
    CHECK(job["metadata"]["name"].as<std::string>() == "volley-load");
    const auto spec = job["spec"];
    CHECK(spec["completionMode"].as<std::string>() == "Indexed");
    CHECK(spec["completions"].as<int>() == 4);
    CHECK(spec["parallelism"].as<int>() == 4);
    CHECK(spec["backoffLimitPerIndex"].as<int>() == 0);
    const auto pod = spec["template"]["spec"];
    CHECK(pod["restartPolicy"].as<std::string>() == "Never");
    const auto container = pod["containers"][0];
    CHECK(container["name"].as<std::string>() == "volley");
    CHECK(container["image"].as<std::string>() == "registry.example/volley:1.0");
    CHECK(container["args"].as<std::vector<std::string>>() ==
          std::vector<std::string>{
              "run", "/scenario/load.yaml", "--segments", "4", "--start-at", "2026-12-06T10:00:00Z",
              "--max-start-lag", "1s", "-o",
              "/results/volley-load/20261206T100000Z/segment-$(JOB_COMPLETION_INDEX)", "-q"});
    // Guaranteed QoS: requests equal limits, whole CPUs.
    CHECK(container["resources"]["requests"]["cpu"].as<std::string>() == "2");
    CHECK(container["resources"]["limits"]["cpu"].as<std::string>() == "2");
    CHECK(container["resources"]["requests"]["memory"].as<std::string>() == "2Gi");
    CHECK(container["resources"]["limits"]["memory"].as<std::string>() == "2Gi");
    const auto anti =
        pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
    CHECK(anti["topologyKey"].as<std::string>() == "kubernetes.io/hostname");
    CHECK(anti["labelSelector"]["matchLabels"]["app.kubernetes.io/instance"].as<std::string>() ==
          "volley-load");
    CHECK(spec["template"]["metadata"]["labels"]["app.kubernetes.io/component"].as<std::string>() ==
          "segment");
    CHECK(pod["volumes"][1]["persistentVolumeClaim"]["claimName"].as<std::string>() ==
          "volley-load-results");
    CHECK(container["volumeMounts"][0]["readOnly"].as<bool>());
}

TEST_CASE("a missed start or bad input fails the whole Job; a disruption before it does not") {
    const auto job = manifest(k8s_manifests(settings()), "segments-job.yaml");
    const auto rules = job["spec"]["podFailurePolicy"]["rules"];
    REQUIRE(rules.size() == 2);
    CHECK(rules[0]["action"].as<std::string>() == "FailJob");
    CHECK(rules[0]["onExitCodes"]["containerName"].as<std::string>() == "volley");
    CHECK(rules[0]["onExitCodes"]["operator"].as<std::string>() == "In");
    CHECK(rules[0]["onExitCodes"]["values"].as<std::vector<int>>() == std::vector<int>{2, 3});
    CHECK(rules[1]["action"].as<std::string>() == "Ignore");
    CHECK(rules[1]["onPodConditions"][0]["type"].as<std::string>() == "DisruptionTarget");
}

TEST_CASE("the ConfigMap holds the scenario text as it is; the claim is ReadWriteMany") {
    auto s = settings();
    s.scenario_yaml = "  # indented first line\nname: load\n\ttab: 1\n";
    s.storage_class = "nfs";
    const auto all = k8s_manifests(s);
    REQUIRE(all.size() == 4);
    CHECK(manifest(all, "scenario-configmap.yaml")["data"]["load.yaml"].as<std::string>() ==
          s.scenario_yaml);
    const auto claim = manifest(all, "results-claim.yaml");
    CHECK(claim["spec"]["accessModes"][0].as<std::string>() == "ReadWriteMany");
    CHECK(claim["spec"]["storageClassName"].as<std::string>() == "nfs");
}

TEST_CASE("an existing volume claim replaces the generated one") {
    auto s = settings();
    s.volume_claim = "shared-results";
    const auto all = k8s_manifests(s);
    REQUIRE(all.size() == 3);
    CHECK(all[0].file_name == "scenario-configmap.yaml");
    CHECK(manifest(all, "merge-job.yaml")["spec"]["template"]["spec"]["volumes"][0]
                                         ["persistentVolumeClaim"]["claimName"]
                                             .as<std::string>() == "shared-results");
}

TEST_CASE("the merge Job waits for every segment.json until a deadline, then merges") {
    auto s = settings();
    s.namespace_name = "load-tests";
    const auto merge = manifest(k8s_manifests(s), "merge-job.yaml");
    CHECK(merge["metadata"]["name"].as<std::string>() == "volley-load-merge");
    CHECK(merge["metadata"]["namespace"].as<std::string>() == "load-tests");
    CHECK(merge["spec"]["backoffLimit"].as<int>() == 0);
    const auto command = merge["spec"]["template"]["spec"]["containers"][0]["command"]
                             .as<std::vector<std::string>>();
    REQUIRE(command.size() == 3);
    CHECK(command[0] == "/bin/sh");
    const auto& script = command[2];
    CHECK_THAT(script, Catch::Contains("run=/results/volley-load/20261206T100000Z\n"));
    CHECK_THAT(script, Catch::Contains("segments=4\n"));
    // 10:00:00 + 675 s = 10:11:15
    CHECK_THAT(script, Catch::Contains("# 2026-12-06T10:11:15Z"));
    CHECK_THAT(script, Catch::Contains("segment-*/segment.json"));
    CHECK_THAT(script, Catch::Contains("exec volley merge \"$run\"/segment-* -o \"$run\"/merged"));
}

TEST_CASE("run names are DNS labels made from the scenario's name") {
    CHECK(k8s_run_name("load") == "volley-load");
    CHECK(k8s_run_name("Checkout Flow_v2!") == "volley-checkout-flow-v2");
    CHECK(k8s_run_name("") == "volley");
    CHECK(k8s_run_name(std::string(80, 'x')).size() == 40);
}

TEST_CASE("values Kubernetes would refuse are refused here, naming the flag") {
    auto s = settings();
    s.cpu = "500m";
    CHECK_THAT(refusal(s), Catch::StartsWith("--cpu: \"500m\": a whole number of CPUs"));
    s = settings();
    s.memory = "lots";
    CHECK_THAT(refusal(s), Catch::StartsWith("--memory:"));
    s = settings();
    s.namespace_name = "Load_Tests";
    CHECK_THAT(refusal(s), Catch::StartsWith("--namespace:"));
    s = settings();
    s.image = "a b";
    CHECK_THAT(refusal(s), Catch::StartsWith("--image:"));
    s = settings();
    s.storage_class = "nfs";
    s.volume_claim = "mine";
    CHECK_THAT(refusal(s), Catch::Contains("alternatives"));
    s = settings();
    s.start_at += 500ms;
    CHECK_THAT(refusal(s), Catch::Contains("whole second"));
}
