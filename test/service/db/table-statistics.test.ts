/**
 * TableStatistics' `vacuumed` tables: PGlite runs no autovacuum, so the graph tallies, whose folds
 * delete most rows they read, are vacuumed with the statistics (src/app.ts), else their indexes
 * keep every row ever written.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TABLE_STATISTICS_OPTIONS, TableStatistics } from "../../../src/db/table-statistics.js";
import { FOLD_BATCH } from "../../../src/graph/tallies/fold-rows.js";
import { foldTallies } from "../../../src/graph/tallies/folds.js";
import { aNamingNote } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

/** Pages of the table, and of them those the visibility map holds all visible (only VACUUM sets it). */
async function pages(table: string): Promise<{ pages: number; visible: number }> {
  const [row] = await services.db.em
    .fork()
    .execute<{ pages: number | string; visible: number | string }[]>(
      `select relpages as pages, relallvisible as visible from pg_class where oid = '${table}'::regclass`,
    );
  return { pages: Number(row!.pages), visible: Number(row!.visible) };
}

describe("TableStatistics", () => {
  it("vacuums the tables it is told to, after a fold deleted their rows", async () => {
    for (let i = 0; i < 3; i++) {
      await services.memories().writeMemory({ memory: aNamingNote() });
    }
    // A fold deletes the rows it sums and writes their sums anew: pages nothing has vacuumed since.
    while ((await foldTallies(services.db.em.fork())) >= FOLD_BATCH);
    const statistics = new TableStatistics(services.db.em, "memories", pino({ level: "silent" }), {
      ...DEFAULT_TABLE_STATISTICS_OPTIONS,
      vacuumed: ["relation_tallies"],
    });
    await statistics.analyze();

    // Analysed alone, a table new since its database was made has no page marked visible. On
    // Postgres a page whose rows another connection may still see stays unmarked.
    const after = await pages("relation_tallies");
    expect(after.visible).toBeGreaterThan(0);
    if (services.db.kind === "pglite") expect(after.visible).toBe(after.pages);
  });
});
