import { defineConfig } from "vitest/config";

/**
 * The integration files whose outcome depends on the database engine beyond what the service
 * tier covers: CI runs them, with the service tier, on PGlite and again on Postgres, and
 * requires the same results (scripts/compare-test-results.mjs). Every other integration file
 * is about transports, processes, clients or the browser, and runs once.
 */
const ENGINE_FILES = [
  "test/memory/**/*.test.ts",
  "test/search/**/*.test.ts",
  "test/performance/**/*.test.ts",
  "test/guard/**/*.test.ts",
  "test/server/durability.test.ts",
  "test/server/feed-process.test.ts",
  "test/validation/unexpected-errors.test.ts",
];

/** Migrated templates that test databases are copied from (test/support/templates.ts). */
const TEMPLATES = "test/support/templates-setup.ts";
/** The compiled server that spawned processes run. */
const BUILD = "test/support/build-setup.ts";

/**
 * Four tiers. `unit`: pure modules, tests beside them in src. `service`: the real services over
 * an in-memory router transport and a database of their own. `engine` and `integration`: real
 * servers and processes. `npm run test:fast` runs the first two; `npm test` runs all four;
 * `npm run test:engine` runs the engine-dependent ones (CI's second pass, on Postgres).
 */
export default defineConfig({
  test: {
    // Vitest's default on 2 cores is a single worker; most integration files wait on sockets,
    // processes and the model, so two workers keep both cores busy (three gained under 5%).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ["test/support/count-assertions.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "service",
          include: ["test/service/**/*.test.ts"],
          globalSetup: [TEMPLATES],
          // Files share their worker's modules, so the real model loads once per worker
          // (test/support/embedders.ts); each file still opens databases of its own.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: "engine",
          include: ENGINE_FILES,
          globalSetup: [TEMPLATES, BUILD],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/service/**", ...ENGINE_FILES],
          globalSetup: [TEMPLATES, BUILD, "test/support/postgres-setup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
