// Offline checks of Kubernetes manifests (docs/distributed.md "Kubernetes"), no cluster needed:
//  1. the Kubernetes API schema, through the validators of the npm package kubernetes-models;
//  2. a strict check that refuses unknown keys (which the API server would silently drop, e.g.
//     `paralelism`): each manifest becomes a typed TypeScript literal of the kubernetes-models
//     interface of its kind, and tsc's excess-property check names every unknown key.
// Then a self-test: copies of the manifests with a misspelt key, a nested unknown key and a
// wrong type must each be refused, so a checker that accepts everything fails here.
//
// usage: node check_manifests.mjs MODULES_DIR FILE.yaml...
//   MODULES_DIR holds node_modules with kubernetes-models, yaml and typescript
//   (scripts/lib.sh volley_ensure_node_modules installs them).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modulesRoot, ...files] = process.argv.slice(2);
if (!modulesRoot || files.length === 0) {
  console.error("usage: node check_manifests.mjs MODULES_DIR FILE.yaml...");
  process.exit(2);
}
const modules = join(modulesRoot, "node_modules");
const load = (path) => import(pathToFileURL(join(modules, path)).href);
const YAML = await load("yaml/dist/index.js");
const { Job } = await load("kubernetes-models/batch/v1/Job.js");
const { ConfigMap } = await load("kubernetes-models/v1/ConfigMap.js");
const { PersistentVolumeClaim } = await load("kubernetes-models/v1/PersistentVolumeClaim.js");

// kind -> the model class (schema) and the TypeScript interface (strict keys).
const kinds = {
  Job: { model: Job, type: "IJob", from: "kubernetes-models/batch/v1/Job" },
  ConfigMap: { model: ConfigMap, type: "IConfigMap", from: "kubernetes-models/v1/ConfigMap" },
  PersistentVolumeClaim: {
    model: PersistentVolumeClaim,
    type: "IPersistentVolumeClaim",
    from: "kubernetes-models/v1/PersistentVolumeClaim",
  },
};

let passed = 0;
let failed = 0;
const report = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  ok ? passed++ : failed++;
};

// Problems the schema finds in one manifest ("" when none).
function schemaProblems(doc) {
  const kind = kinds[doc?.kind];
  if (!kind) return `unknown kind ${JSON.stringify(doc?.kind)}`;
  try {
    new kind.model(doc).validate();
    return "";
  } catch (error) {
    return error.message;
  }
}

// Runs tsc once over `cases` ({name, doc}); returns name -> tsc's errors ("" when none).
function strictProblems(cases) {
  const dir = mkdtempSync(join(modulesRoot, "check-"));
  try {
    const names = cases.map((c, i) => {
      const kind = kinds[c.doc?.kind];
      const file = `m${i}.ts`;
      const text = kind
        ? `import type { ${kind.type} } from "${kind.from}";\n` +
          `const manifest: ${kind.type} = ${JSON.stringify(c.doc, null, 2)};\n` +
          "void manifest;\nexport {};\n"
        : "export {};\n";
      writeFileSync(join(dir, file), text);
      return file;
    });
    let output = "";
    try {
      execFileSync(
        process.execPath,
        [join(modules, "typescript/bin/tsc"), "--noEmit", "--strict", "--skipLibCheck",
          "--module", "nodenext", "--moduleResolution", "nodenext", ...names],
        { cwd: dir, encoding: "utf8" });
    } catch (error) {
      output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
    }
    const result = new Map();
    cases.forEach((c, i) => {
      const lines = output.split("\n").filter((l) => l.startsWith(`${names[i]}(`));
      result.set(c.name, lines.join("\n"));
    });
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const manifests = [];
for (const file of files) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      report(false, `${file}#${i}: YAML: ${doc.errors[0].message}`);
      return;
    }
    const value = doc.toJS();
    if (value !== null) manifests.push({ name: `${file}#${i} (${value.kind} ${value.metadata?.name})`, doc: value });
  });
}

// The self-test's broken copies, made from the first Job with a parallelism (the segments').
const job = manifests.find((m) => m.doc.kind === "Job" && m.doc.spec?.parallelism !== undefined);
const broken = [];
if (job) {
  const misspelt = structuredClone(job.doc);
  misspelt.spec.paralelism = misspelt.spec.parallelism;
  delete misspelt.spec.parallelism;
  broken.push({ name: "self-test: spec.paralelism (misspelt key)", doc: misspelt, by: "strict" });
  const nested = structuredClone(job.doc);
  nested.spec.template.spec.containers[0].imagePullPolicyy = "Always";
  broken.push({ name: "self-test: containers[0].imagePullPolicyy (nested unknown key)", doc: nested, by: "strict" });
  const wrongType = structuredClone(job.doc);
  wrongType.spec.completions = "four";
  broken.push({ name: "self-test: spec.completions: \"four\" (wrong type)", doc: wrongType, by: "schema" });
} else {
  report(false, "self-test: no Job with a parallelism among the manifests to break");
}

const strict = strictProblems([...manifests, ...broken]);
for (const m of manifests) {
  const schema = schemaProblems(m.doc);
  report(schema === "", `${m.name}: schema${schema ? `: ${schema}` : ""}`);
  const keys = strict.get(m.name);
  report(keys === "", `${m.name}: strict keys${keys ? `:\n${keys}` : ""}`);
}
for (const b of broken) {
  const problems = b.by === "strict" ? strict.get(b.name) : schemaProblems(b.doc);
  report(problems !== "", `${b.name} is refused by the ${b.by} check${problems ? `: ${problems.split("\n")[0]}` : ""}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
