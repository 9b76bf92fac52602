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

/**
 * Whether the table has been vacuumed since its database was made. On PGlite (no other session),
 * every page is then marked all visible (only VACUUM marks them); on Postgres, whose standby may
 * hold rows back from that, its statistics record the vacuum.
 */
async function vacuumed(table: string): Promise<boolean> {
  // In a transaction, so that a replica's server (with statistics of its own) is not asked.
  return services.db.em.fork().transactional(async (em) => {
    if (services.db.kind === "pglite") {
      const [row] = await em.execute<{ pages: number | string; visible: number | string }[]>(
        `select relpages as pages, relallvisible as visible from pg_class where oid = '${table}'::regclass`,
      );
      return Number(row!.pages) > 0 && Number(row!.visible) === Number(row!.pages);
    }
    const [row] = await em.execute<{ vacuums: number | string }[]>(
      `select vacuum_count as vacuums from pg_stat_user_tables where relid = '${table}'::regclass`,
    );
    return Number(row!.vacuums) > 0;
  });
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

    expect(await vacuumed("relation_tallies")).toBe(true);
  });
});
