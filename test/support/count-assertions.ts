import { appendFileSync } from "node:fs";
import { afterAll, afterEach, expect } from "vitest";

/**
 * With ENGRAM_COUNT_ASSERTIONS=<file>, each test file appends one line to that file: its
 * tests and the assertions they made (expect calls, as vitest counts them), so that a change
 * to the suite can show it asserts no less than before.
 */
const out = process.env.ENGRAM_COUNT_ASSERTIONS;
if (out) {
  let tests = 0;
  let assertions = 0;
  afterEach(() => {
    tests += 1;
    assertions += expect.getState().assertionCalls;
  });
  afterAll(() => {
    appendFileSync(out, `${JSON.stringify({ file: expect.getState().testPath, tests, assertions })}\n`);
  });
}
