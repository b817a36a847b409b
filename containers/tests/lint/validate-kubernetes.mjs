// Validates Kubernetes objects against the API's OpenAPI schemas
// (kubernetes-models), offline: what `kubectl apply --dry-run` checks of
// types, required fields and formats. Unknown keys pass (the schemas allow
// additional properties), as they do for a non-strict kubectl.
// Usage: node validate-kubernetes.mjs < objects.json   (a JSON array)
// Prints "valid KIND NAME" per object; exits 1 at the first invalid one.
import fs from "node:fs";
import * as apps from "kubernetes-models/apps/v1";
import * as core from "kubernetes-models/v1";

const kinds = { "apps/v1": apps, v1: core };
const objects = JSON.parse(fs.readFileSync(0, "utf8"));
for (const object of objects) {
  const model = kinds[object.apiVersion]?.[object.kind];
  if (!model) {
    console.error(`no schema for ${object.apiVersion} ${object.kind}`);
    process.exit(1);
  }
  try {
    new model(object).validate();
  } catch (error) {
    console.error(`invalid ${object.kind} ${object.metadata?.name}: ${error.message}`);
    process.exit(1);
  }
  console.log(`valid ${object.kind} ${object.metadata?.name}`);
}
