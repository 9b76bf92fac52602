import { accessSync, constants, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { QUICK_START_FLAGS } from "./test/support/quick-start.js";
import LongestFirstSequencer from "./test/support/sequencer.js";

/**
 * Where a run's tests make their data directories, unless TMPDIR says: a directory of its own on
 * a memory-backed tmpfs when the machine has one, removed when the run exits (and, for a run
 * that was killed, by the next). Every test database starts as a copy of a 40 MB migrated
 * template (test/support/templates.ts), several hundred a run; on the disk each copy and removal
 * cost 0.15-0.8 s of kernel time (ext4's journal and writeback): the suite's system CPU fell
 * from 154 s to 84 s, and npm test from 339 s to 310 s. Spawned servers and CLI commands inherit it.
 */
function scratchDir(): string | undefined {
  const root = "/dev/shm/engram-tests";
  try {
    accessSync("/dev/shm", constants.W_OK);
    mkdirSync(root, { recursive: true });
  } catch {
    return undefined;
  }
  for (const entry of readdirSync(root)) {
    const pid = Number(/^run-(\d+)$/.exec(entry)?.[1] ?? 0);
    if (pid > 0 && !running(pid)) rmSync(join(root, entry), { recursive: true, force: true });
  }
  const dir = join(root, `run-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

if (!process.env.TMPDIR) {
  const scratch = scratchDir();
  if (scratch !== undefined) process.env.TMPDIR = scratch;
}

/** Migrated templates that test databases are copied from (test/support/templates.ts). */
const TEMPLATES = "test/support/templates-setup.ts";
/**
 * End-to-end tests that need more than Node and npm: the client packages built and run with Go
 * and Python, the browser client and the console in Chromium, and the traces sent to an OTLP
 * receiver in Python. `npm run test:clients` runs them (after installing what they need); `npm
 * test` leaves them out so it runs on Node alone.
 */
const CLIENTS = ["test/e2e/clients/**/*.test.ts", "test/e2e/telemetry/**/*.test.ts"];
/** The compiled server that spawned processes run. */
const BUILD = "test/support/build-setup.ts";

/**
 * Five tiers, each a directory: `unit` (src/ and bench/, beside the module), pure modules; `service`
 * (test/service/<feature>/), the real services over an in-memory router transport and a database
 * of their own; `model` (test/model/), the cross-encoder on its thread and the searches it
 * reranks, whose outcome does not depend on the engine, so they run once; `engine`
 * (test/engine/), real servers whose outcome depends on the database engine; `e2e` (test/e2e/),
 * what crosses sockets, processes or the browser. `npm run test:fast` runs unit and service;
 * `npm test` runs all five, less the clients (their own project, below); `npm run test:engine`
 * runs service and engine (CI's second pass, on Postgres, which must give the same results).
 */
export default defineConfig({
  test: {
    // Vitest's default on 2 cores is a single worker; most integration files wait on sockets,
    // processes and the model, so two workers keep both cores busy (three gained under 5%).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // In CI a failed test runs once more before it fails the run: a run on record failed two
    // tests that four runs of the same commit here passed, and the log's tail did not name them.
    // A test that passes only on its second try is still named at the end of CI's log
    // (scripts/compare-test-results.mjs), so flakiness is seen and fixed, not hidden.
    retry: process.env.CI ? 1 : 0,
    // expect.poll gives up after 1 s by default: shorter than a loaded machine's page render or
    // standby replay, and a poll that succeeds returns at once whatever its timeout.
    expect: { poll: { timeout: 10_000 } },
    setupFiles: ["test/support/count-assertions.ts"],
    // Longest first, on a new clone too (test/support/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
    // Files share their worker's modules (each file still runs anew, on servers and databases of
    // its own), so src/, the ORM and the support code are imported once per worker rather than
    // once per file: the whole of npm test took 338 s instead of 373 s on 2 quiet cores.
    isolate: false,
    projects: [
      // bench/: the benchmarks' offline replays, on committed fixtures.
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts", "bench/**/*.test.ts"], execArgv: QUICK_START_FLAGS },
      },
      {
        extends: true,
        test: {
          name: "service",
          execArgv: QUICK_START_FLAGS,
          include: ["test/service/**/*.test.ts"],
          globalSetup: [TEMPLATES],
          // The real model loads once per worker (test/support/embedders.ts).
        },
      },
      {
        extends: true,
        test: {
          name: "model",
          execArgv: QUICK_START_FLAGS,
          include: ["test/model/**/*.test.ts"],
          globalSetup: [TEMPLATES],
        },
      },
      {
        extends: true,
        test: {
          name: "engine",
          include: ["test/engine/**/*.test.ts"],
          globalSetup: [TEMPLATES, BUILD],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          execArgv: QUICK_START_FLAGS,
          include: ["test/e2e/**/*.test.ts"],
          exclude: CLIENTS,
          globalSetup: [TEMPLATES, BUILD, "test/support/postgres-setup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "clients",
          execArgv: QUICK_START_FLAGS,
          include: CLIENTS,
          globalSetup: [TEMPLATES, BUILD, "test/support/postgres-setup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
