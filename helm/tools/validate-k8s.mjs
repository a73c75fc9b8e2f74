// Validates every object of a rendered manifest (multi-document YAML on stdin) against the Kubernetes
// OpenAPI schemas shipped in the npm packages kubernetes-models and @kubernetes-models/prometheus-operator,
// offline. Prints one line per object; exits 1 when any object is invalid or of an unknown kind.
//   helm template ... | NODE_PATH=<dir>/node_modules node helm/tools/validate-k8s.mjs
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.NODE_PATH || path.join(process.cwd(), "node_modules");
const require = createRequire(path.join(modules, "x.js"));
const yaml = require("js-yaml");

const docs = yaml.loadAll(readFileSync(0, "utf8")).filter((d) => d && typeof d === "object");
let failed = 0;
for (const doc of docs) {
  const { apiVersion, kind } = doc;
  const name = `${kind}/${doc.metadata?.name}`;
  const group = apiVersion.includes("/") ? apiVersion : `v1`;
  const pkg = group.startsWith("monitoring.coreos.com/")
    ? `@kubernetes-models/prometheus-operator/${group}/${kind}`
    : `kubernetes-models/${group}/${kind}`;
  // The packages export ES modules only: import the model's file directly.
  const file = path.join(modules, `${pkg}.js`);
  if (!existsSync(file)) {
    console.log(`INVALID ${name}: no schema for ${apiVersion} ${kind} (${file} missing)`);
    failed++;
    continue;
  }
  const Model = (await import(pathToFileURL(file).href))[kind];
  try {
    new Model(doc).validate();
    console.log(`ok      ${name} (${apiVersion})`);
  } catch (e) {
    failed++;
    console.log(`INVALID ${name}: ${e.message}`);
  }
}
console.log(`${docs.length} objects, ${failed} invalid`);
process.exit(failed === 0 && docs.length > 0 ? 0 : 1);
