// Compares vitest JSON reports: the full suite on PGlite, then each engine-dependent pass (npm
// run test:engine) on Postgres, alone and with a hot standby answering the reads: every test of
// each pass must have the same status in the first. Prints the closing "N passed, N failed"
// line CI reads, after the name of every failed test: a reader of the log's tail alone sees them.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const firstLine = (message = "") => message.split("\n")[0].slice(0, 300);

const [full, ...passes] = process.argv.slice(2).map((file) => {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const statuses = new Map();
  const failures = [];
  for (const suite of report.testResults) {
    const where = relative(process.cwd(), suite.name);
    // A file that fails outside its tests (an import, a hook) may name no failed test.
    if (suite.status === "failed" && suite.message) failures.push(`failed: ${where}: ${firstLine(suite.message)}`);
    for (const test of suite.assertionResults) {
      statuses.set(`${where} > ${test.fullName}`, test.status);
      // A test that failed and then passed on its retry (vitest.config.ts) keeps its first error.
      if (test.status === "failed" || test.failureMessages.length > 0) {
        const how = test.status === "failed" ? "failed" : "passed on retry";
        failures.push(`${how}: ${where} > ${test.fullName}: ${firstLine(test.failureMessages[0])}`);
      }
    }
  }
  return { file, report, statuses, failures };
});

let ok = true;
let passed = full.report.numPassedTests;
let failed = full.report.numFailedTests;
const counts = [];
for (const pass of passes) {
  const differences = [];
  for (const [name, status] of pass.statuses) {
    if (full.statuses.get(name) !== status)
      differences.push(`${name}: ${full.statuses.get(name) ?? "absent"} vs ${status}`);
  }
  if (differences.length > 0) {
    console.error(`results differ between ${full.file} and ${pass.file}:\n  ${differences.join("\n  ")}`);
  }
  if (pass.statuses.size === 0) console.error(`${pass.file} holds no tests`);
  ok &&= differences.length === 0 && pass.statuses.size > 0;
  passed += pass.report.numPassedTests;
  failed += pass.report.numFailedTests;
  counts.push(pass.report.numPassedTests);
}
console.log(
  `engines: ${full.report.numPassedTests} tests on PGlite (all tiers), ${counts.join(" + ")} engine-dependent on Postgres (alone, then reading a standby), same results: ${ok}`,
);
for (const { file, failures } of [full, ...passes]) for (const failure of failures) console.log(`${failure} (${file})`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(!ok || failed > 0 ? 1 : 0);
