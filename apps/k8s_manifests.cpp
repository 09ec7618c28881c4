#include "apps/k8s_manifests.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <stdexcept>

namespace volley::apps {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kContainer = "volley";
constexpr std::string_view kResultsMount = "/results";
constexpr std::string_view kScenarioMount = "/scenario";

std::string rfc3339(system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(system_clock::to_time_t(t)));
}

bool is_dns_label(std::string_view text, std::size_t max_length) {
    static const std::regex label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    return !text.empty() && text.size() <= max_length &&
           std::regex_match(text.begin(), text.end(), label);
}

bool is_dns_subdomain(std::string_view text) {
    static const std::regex subdomain(
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    return !text.empty() && text.size() <= 253 &&
           std::regex_match(text.begin(), text.end(), subdomain);
}

// Kubernetes resource quantities as volley writes them: an integer with a binary or decimal
// suffix ("512Mi", "2Gi", "1000M").
bool is_quantity(std::string_view text) {
    static const std::regex quantity("[0-9]+(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?");
    return std::regex_match(text.begin(), text.end(), quantity);
}

void check(const K8sSettings& s) {
    auto refuse = [](std::string_view flag, std::string_view value, std::string_view why) {
        throw std::invalid_argument(fmt::format("{}: \"{}\": {}", flag, value, why));
    };
    if (!is_dns_label(s.name, 40))
        refuse("name", s.name, "not a DNS-1123 label of at most 40 characters");
    if (!s.namespace_name.empty() && !is_dns_label(s.namespace_name, 63))
        refuse("--namespace", s.namespace_name, "not a DNS-1123 label (a-z, 0-9, '-')");
    if (s.image.empty() || std::any_of(s.image.begin(), s.image.end(),
                                       [](unsigned char c) { return std::isspace(c) != 0; }))
        refuse("--image", s.image, "an image reference without spaces is needed");
    if (s.segments == 0) refuse("--segments", "0", "at least 1");
    static const std::regex whole_cpus("[1-9][0-9]*");
    if (!std::regex_match(s.cpu, whole_cpus)) {
        refuse("--cpu", s.cpu,
               "a whole number of CPUs (e.g. 2): Guaranteed pods with whole CPUs get exclusive "
               "cores under the static CPU manager, so generators do not share them");
    }
    if (!is_quantity(s.memory)) refuse("--memory", s.memory, "a quantity such as 2Gi or 512Mi");
    if (!is_quantity(s.storage)) refuse("--storage", s.storage, "a quantity such as 1Gi");
    if (!s.storage_class.empty() && !is_dns_subdomain(s.storage_class))
        refuse("--storage-class", s.storage_class, "not a storage class name");
    if (!s.volume_claim.empty() && !is_dns_subdomain(s.volume_claim))
        refuse("--volume-claim", s.volume_claim, "not a volume claim name");
    if (!s.storage_class.empty() && !s.volume_claim.empty()) {
        throw std::invalid_argument(
            "--storage-class and --volume-claim are alternatives: the class is for the claim "
            "volley k8s writes, --volume-claim names one that exists");
    }
    if (s.start_at != std::chrono::floor<std::chrono::seconds>(s.start_at))
        refuse("--start-at", rfc3339(s.start_at), "must be a whole second");
}

// Strings YAML would read as something else (numbers, booleans, null, times) are quoted.
bool needs_quotes(std::string_view text) {
    if (text.empty()) return true;
    const unsigned char first = static_cast<unsigned char>(text.front());
    if (std::isdigit(first) != 0 || first == '+' || first == '-' || first == '.') return true;
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})
        if (lower == word) return true;
    return false;
}

// A small writer over YAML::Emitter: keys, scalars quoted when needed, multi-line text as a
// literal block (falling back to a quoted string when a literal would not read back the same).
class Writer {
public:
    Writer() { out_.SetIndent(2); }
    Writer& key(std::string_view k) {
        out_ << YAML::Key << std::string(k) << YAML::Value;
        return *this;
    }
    Writer& text(std::string_view value) {
        if (value.find('\n') != std::string_view::npos && literal_reads_back(value))
            out_ << YAML::Literal;
        else if (needs_quotes(value))
            out_ << YAML::DoubleQuoted;
        out_ << std::string(value);
        return *this;
    }
    Writer& number(long long value) {
        out_ << value;
        return *this;
    }
    Writer& flag(bool value) {
        out_ << YAML::TrueFalseBool << value;
        return *this;
    }
    Writer& entry(std::string_view k, std::string_view value) { return key(k).text(value); }
    Writer& entry(std::string_view k, long long value) { return key(k).number(value); }
    Writer& begin_map() {
        out_ << YAML::BeginMap;
        return *this;
    }
    Writer& end_map() {
        out_ << YAML::EndMap;
        return *this;
    }
    Writer& begin_seq() {
        out_ << YAML::BeginSeq;
        return *this;
    }
    Writer& end_seq() {
        out_ << YAML::EndSeq;
        return *this;
    }
    std::string finish() {
        if (!out_.good()) throw std::logic_error("k8s manifests: " + out_.GetLastError());
        return std::string(out_.c_str()) + "\n";
    }

private:
    static bool literal_reads_back(std::string_view value) {
        YAML::Emitter probe;
        probe << YAML::BeginMap << YAML::Key << "v" << YAML::Value << YAML::Literal
              << std::string(value) << YAML::EndMap;
        try {
            return probe.good() && YAML::Load(probe.c_str())["v"].as<std::string>() == value;
        } catch (const YAML::Exception&) {
            return false;
        }
    }
    YAML::Emitter out_;
};

void labels(Writer& w, const K8sSettings& s, std::string_view component) {
    w.key("labels").begin_map();
    w.entry("app.kubernetes.io/name", "volley");
    w.entry("app.kubernetes.io/instance", s.name);
    w.entry("app.kubernetes.io/component", component);
    w.end_map();
}

void metadata(Writer& w, const K8sSettings& s, std::string_view name, std::string_view component) {
    w.key("metadata").begin_map();
    w.entry("name", name);
    if (!s.namespace_name.empty()) w.entry("namespace", s.namespace_name);
    labels(w, s, component);
    w.end_map();
}

std::string claim_name(const K8sSettings& s) {
    return s.volume_claim.empty() ? s.name + "-results" : s.volume_claim;
}

void resources(Writer& w, const K8sSettings& s) {
    // Requests equal to limits: the Guaranteed QoS class, so the generator is neither throttled
    // below nor squeezed by its neighbours.
    w.key("resources").begin_map();
    for (const char* kind : {"requests", "limits"}) {
        w.key(kind).begin_map();
        w.entry("cpu", s.cpu);
        w.entry("memory", s.memory);
        w.end_map();
    }
    w.end_map();
}

void results_volume(Writer& w, const K8sSettings& s) {
    w.begin_map();
    w.entry("name", "results");
    w.key("persistentVolumeClaim").begin_map().entry("claimName", claim_name(s)).end_map();
    w.end_map();
}

void results_mount(Writer& w) {
    w.begin_map().entry("name", "results").entry("mountPath", kResultsMount).end_map();
}

std::string claim_yaml(const K8sSettings& s) {
    Writer w;
    w.begin_map().entry("apiVersion", "v1").entry("kind", "PersistentVolumeClaim");
    metadata(w, s, claim_name(s), "results");
    w.key("spec").begin_map();
    // Every segment pod and the merge pod mount it, on different nodes.
    w.key("accessModes").begin_seq().text("ReadWriteMany").end_seq();
    if (!s.storage_class.empty()) w.entry("storageClassName", s.storage_class);
    w.key("resources").begin_map().key("requests").begin_map();
    w.entry("storage", s.storage).end_map().end_map();
    w.end_map().end_map();
    return w.finish();
}

std::string config_map_yaml(const K8sSettings& s) {
    Writer w;
    w.begin_map().entry("apiVersion", "v1").entry("kind", "ConfigMap");
    metadata(w, s, s.name + "-scenario", "scenario");
    w.key("data").begin_map().entry(s.scenario_file, s.scenario_yaml).end_map();
    w.end_map();
    return w.finish();
}

std::string segment_job_yaml(const K8sSettings& s) {
    const auto segments = static_cast<long long>(s.segments);
    Writer w;
    w.begin_map().entry("apiVersion", "batch/v1").entry("kind", "Job");
    metadata(w, s, s.name, "segment");
    w.key("spec").begin_map();
    w.entry("completionMode", "Indexed");
    w.entry("completions", segments);
    w.entry("parallelism", segments);
    // A segment that fails is not retried (it could not rejoin the synchronised start), and
    // the first failed index fails the Job: the merge needs every segment.
    w.entry("backoffLimitPerIndex", 0);
    w.entry("maxFailedIndexes", 0);
    w.key("podFailurePolicy").begin_map().key("rules").begin_seq();
    // Exit 3 (the start was missed) and 2 (bad input) would repeat on any retry.
    w.begin_map().entry("action", "FailJob");
    w.key("onExitCodes").begin_map().entry("containerName", kContainer);
    w.entry("operator", "In").key("values").begin_seq().number(2).number(3).end_seq();
    w.end_map().end_map();
    // A pod evicted or preempted before the start is re-created and may still make it; one
    // disrupted later misses the start and exits 3, which fails the Job by the rule above.
    w.begin_map().entry("action", "Ignore");
    w.key("onPodConditions").begin_seq().begin_map().entry("type", "DisruptionTarget");
    w.entry("status", "True");  // the default; older API versions require it written
    w.end_map().end_seq().end_map();
    w.end_seq().end_map();
    w.key("template").begin_map();
    w.key("metadata").begin_map();
    labels(w, s, "segment");
    w.end_map();
    w.key("spec").begin_map();
    w.entry("restartPolicy", "Never");
    // One generator per node: two on one node would share its CPUs and network.
    w.key("affinity").begin_map().key("podAntiAffinity").begin_map();
    w.key("requiredDuringSchedulingIgnoredDuringExecution").begin_seq().begin_map();
    w.key("labelSelector").begin_map().key("matchLabels").begin_map();
    w.entry("app.kubernetes.io/instance", s.name);
    w.entry("app.kubernetes.io/component", "segment");
    w.end_map().end_map();
    w.entry("topologyKey", "kubernetes.io/hostname");
    w.end_map().end_seq().end_map().end_map();
    w.key("containers").begin_seq().begin_map();
    w.entry("name", kContainer);
    w.entry("image", s.image);
    w.key("command").begin_seq().text("volley").end_seq();
    w.key("args").begin_seq();
    for (const std::string& arg :
         {std::string("run"), fmt::format("{}/{}", kScenarioMount, s.scenario_file),
          std::string("--segments"), std::to_string(s.segments), std::string("--start-at"),
          rfc3339(s.start_at), std::string("--max-start-lag"), s.max_start_lag, std::string("-o"),
          k8s_run_directory(s) + "/segment-$(JOB_COMPLETION_INDEX)", std::string("-q")})
        w.text(arg);
    w.end_seq();
    // The Job controller sets it too; written here so that $(JOB_COMPLETION_INDEX) in the
    // arguments visibly refers to something.
    w.key("env").begin_seq().begin_map().entry("name", "JOB_COMPLETION_INDEX");
    w.key("valueFrom").begin_map().key("fieldRef").begin_map();
    w.entry("fieldPath", "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    w.end_map().end_map().end_map().end_seq();
    resources(w, s);
    w.key("volumeMounts").begin_seq();
    w.begin_map().entry("name", "scenario").entry("mountPath", kScenarioMount);
    w.key("readOnly").flag(true);
    w.end_map();
    results_mount(w);
    w.end_seq();
    w.end_map().end_seq();
    w.key("volumes").begin_seq();
    w.begin_map().entry("name", "scenario");
    w.key("configMap").begin_map().entry("name", s.name + "-scenario").end_map();
    w.end_map();
    results_volume(w, s);
    w.end_seq();
    w.end_map().end_map().end_map().end_map();
    return w.finish();
}

// Waits (bounded) until every segment wrote segment.json, which a segment run writes last,
// then merges. Exits 1 when a segment is still missing at the deadline.
std::string merge_script(const K8sSettings& s) {
    const auto deadline = s.start_at + s.merge_wait;
    const auto deadline_s =
        std::chrono::duration_cast<std::chrono::seconds>(deadline.time_since_epoch()).count();
    return fmt::format(
        "run={dir}\n"
        "segments={n}\n"
        "deadline={deadline_s}  # {deadline}: the start + the scenario's length + a margin\n"
        "echo \"waiting for $segments segments in $run\"\n"
        "while [ \"$(ls \"$run\"/segment-*/segment.json 2>/dev/null | wc -l)\" -lt \"$segments\" "
        "]; do\n"
        "  if [ \"$(date +%s)\" -ge \"$deadline\" ]; then\n"
        "    echo \"not every segment finished by {deadline}; present:\" >&2\n"
        "    ls \"$run\" >&2\n"
        "    exit 1\n"
        "  fi\n"
        "  sleep 5\n"
        "done\n"
        "exec volley merge \"$run\"/segment-* -o \"$run\"/merged\n",
        fmt::arg("dir", k8s_run_directory(s)), fmt::arg("n", s.segments),
        fmt::arg("deadline_s", deadline_s), fmt::arg("deadline", rfc3339(deadline)));
}

std::string merge_job_yaml(const K8sSettings& s) {
    Writer w;
    w.begin_map().entry("apiVersion", "batch/v1").entry("kind", "Job");
    metadata(w, s, s.name + "-merge", "merge");
    w.key("spec").begin_map();
    // Not retried: its exit code is the merged verdict (99: a threshold failed), an answer.
    w.entry("backoffLimit", 0);
    w.key("template").begin_map();
    w.key("metadata").begin_map();
    labels(w, s, "merge");
    w.end_map();
    w.key("spec").begin_map();
    w.entry("restartPolicy", "Never");
    w.key("containers").begin_seq().begin_map();
    w.entry("name", "volley-merge");
    w.entry("image", s.image);
    w.key("command").begin_seq().text("/bin/sh").text("-c").text(merge_script(s)).end_seq();
    resources(w, s);
    w.key("volumeMounts").begin_seq();
    results_mount(w);
    w.end_seq();
    w.end_map().end_seq();
    w.key("volumes").begin_seq();
    results_volume(w, s);
    w.end_seq();
    w.end_map().end_map().end_map().end_map();
    return w.finish();
}

}  // namespace

std::string k8s_run_name(std::string_view scenario_name) {
    std::string name = "volley-";
    for (const char c : scenario_name) {
        const auto u = static_cast<unsigned char>(c);
        const char lower = static_cast<char>(std::tolower(u));
        if (std::isalnum(u) != 0 && u < 128)
            name += lower;
        else if (name.back() != '-')
            name += '-';
    }
    if (name.size() > 40) name.resize(40);
    while (name.back() == '-') name.pop_back();
    return name;
}

std::string k8s_run_directory(const K8sSettings& settings) {
    return fmt::format("{}/{}/{:%Y%m%dT%H%M%S}Z", kResultsMount, settings.name,
                       fmt::gmtime(system_clock::to_time_t(settings.start_at)));
}

std::vector<K8sManifest> k8s_manifests(const K8sSettings& settings) {
    check(settings);
    std::vector<K8sManifest> manifests;
    if (settings.volume_claim.empty())
        manifests.push_back({"results-claim.yaml", claim_yaml(settings)});
    manifests.push_back({"scenario-configmap.yaml", config_map_yaml(settings)});
    manifests.push_back({"segments-job.yaml", segment_job_yaml(settings)});
    manifests.push_back({"merge-job.yaml", merge_job_yaml(settings)});
    return manifests;
}

std::string k8s_manifest_stream(const std::vector<K8sManifest>& manifests) {
    std::string stream;
    for (const auto& manifest : manifests) {
        stream += fmt::format("---\n# {}\n", manifest.file_name);
        stream += manifest.yaml;
    }
    return stream;
}

}  // namespace volley::apps
