import { defineConfig } from "vitest/config";

/**
 * Three tiers. `unit`: pure modules, tests beside them in src, in parallel. `service`: the real
 * services over an in-memory router transport and a database of their own, in parallel.
 * `integration`: every file starts a real server (or spawns one), one file at a time.
 * `npm run test:fast` runs the first two; `npm test` runs all three.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "service", include: ["test/service/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/service/**"],
          globalSetup: ["test/support/global-setup.ts"],
          // Every file starts its own server; two cores are busy enough with one at a time,
          // after the other tiers have finished.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
