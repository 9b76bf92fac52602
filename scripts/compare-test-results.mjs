// Compares two vitest JSON reports: every test must have the same status on both engines.
// Prints the closing "N passed, N failed" line CI reads.
import { readFileSync } from "node:fs";

const [a, b] = process.argv.slice(2).map((file) => {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const statuses = new Map();
  for (const suite of report.testResults) {
    for (const test of suite.assertionResults) statuses.set(test.fullName, test.status);
  }
  return { file, report, statuses };
});

const differences = [];
for (const name of new Set([...a.statuses.keys(), ...b.statuses.keys()])) {
  if (a.statuses.get(name) !== b.statuses.get(name)) {
    differences.push(`${name}: ${a.statuses.get(name) ?? "absent"} vs ${b.statuses.get(name) ?? "absent"}`);
  }
}
const passed = a.report.numPassedTests + b.report.numPassedTests;
const failed = a.report.numFailedTests + b.report.numFailedTests;
if (differences.length > 0) {
  console.error(`results differ between ${a.file} and ${b.file}:\n  ${differences.join("\n  ")}`);
}
console.log(
  `engines: ${a.report.numPassedTests} tests on PGlite, ${b.report.numPassedTests} on Postgres, same results: ${differences.length === 0}`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(differences.length > 0 || failed > 0 ? 1 : 0);
