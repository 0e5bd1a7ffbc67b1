// Validates Kubernetes objects against the API's schemas, as packaged by kubernetes-models (and the
// Prometheus Operator's custom resources, by @kubernetes-models/prometheus-operator).
//   node validate.mjs FILE.json   (FILE: a JSON array of objects)
// Prints one JSON line: [{"object": "Kind/name", "errors": ["..."]}, ...] for the objects with errors.
// Besides types, formats and required fields, every field must be one the schema declares: the
// compiled validators read each declared property, so a field no validator read is unknown.
import { readFileSync } from "node:fs";

// Where each API group's models are: the Kubernetes API's own, and the Prometheus Operator's
// (PrometheusRule, for k8s/monitoring). Read before the checks below run (top-level await).
const PACKAGES = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

const objects = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
for (const object of objects) {
  const name = `${object.kind}/${object.metadata?.name}`;
  results.push({ object: name, errors: await check(object) });
}
console.log(JSON.stringify(results.filter((r) => r.errors.length > 0)));

async function check(object) {
  const modelClass = await load(object.apiVersion, object.kind);
  if (!modelClass) {
    return [`no schema for ${object.apiVersion} ${object.kind}`];
  }
  const model = new modelClass(object);
  const read = new Map();
  try {
    modelClass.prototype.validate.call(tracked(model, "", read));
  } catch (e) {
    return [String(e.message ?? e)];
  }
  return unread(model, "", read);
}

async function load(apiVersion, kind) {
  const path = apiVersion.includes("/") ? apiVersion : `v1`;
  const modelPackage = PACKAGES[path.split("/")[0]] ?? "kubernetes-models";
  try {
    const module = await import(`${modelPackage}/${path}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

// A view of value that records, per JSON pointer, which keys the validator read.
function tracked(value, pointer, read) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  const keys = new Set();
  read.set(pointer, keys);
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") {
        keys.add(key);
        if (Object.hasOwn(target, key)) {
          return tracked(target[key], `${pointer}/${key}`, read);
        }
      }
      return Reflect.get(target, key, receiver);
    },
    ownKeys(target) {
      // Maps (labels, data, resources) are walked whole: all their keys are declared.
      Reflect.ownKeys(target).forEach((k) => typeof k === "string" && keys.add(k));
      return Reflect.ownKeys(target);
    },
  });
}

function unread(value, pointer, read) {
  if (value === null || typeof value !== "object") {
    return [];
  }
  const keys = read.get(pointer) ?? new Set();
  const errors = [];
  for (const key of Object.keys(value)) {
    const child = `${pointer}/${key}`;
    if (!Array.isArray(value) && !keys.has(key)) {
      errors.push(`${child || "/"} is not a field of this object`);
    } else {
      errors.push(...unread(value[key], child, read));
    }
  }
  return errors;
}
