// Compares two vitest JSON reports, the full suite on PGlite and the engine-dependent part
// (npm run test:engine) on Postgres: every test of the second must have the same status in
// the first. Prints the closing "N passed, N failed" line CI reads.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const [full, engine] = process.argv.slice(2).map((file) => {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const statuses = new Map();
  for (const suite of report.testResults) {
    const where = relative(process.cwd(), suite.name);
    for (const test of suite.assertionResults) statuses.set(`${where} > ${test.fullName}`, test.status);
  }
  return { file, report, statuses };
});

const differences = [];
for (const [name, status] of engine.statuses) {
  if (full.statuses.get(name) !== status)
    differences.push(`${name}: ${full.statuses.get(name) ?? "absent"} vs ${status}`);
}
const passed = full.report.numPassedTests + engine.report.numPassedTests;
const failed = full.report.numFailedTests + engine.report.numFailedTests;
if (differences.length > 0) {
  console.error(`results differ between ${full.file} and ${engine.file}:\n  ${differences.join("\n  ")}`);
}
if (engine.statuses.size === 0) console.error(`${engine.file} holds no tests`);
console.log(
  `engines: ${full.report.numPassedTests} tests on PGlite (all tiers), ${engine.report.numPassedTests} engine-dependent on Postgres, same results: ${differences.length === 0}`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(differences.length > 0 || failed > 0 || engine.statuses.size === 0 ? 1 : 0);
