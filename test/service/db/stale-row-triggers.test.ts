/**
 * On Citus the memories' triggers run in their row forms (src/memory/citus-row-triggers.ts); a
 * migration that replaces a trigger function writes its statement form, which must send the
 * server's start back to the row forms (distributeByWorkspace). Checked here on the engines CI
 * has: the statement forms the migrations leave, the row forms, then a migration's replacement.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Migration20261129064800TallyClassesForAnyAgent } from "../../../src/db/migrations/20261129064800-tally-classes-for-any-agent.js";
import { staleRowTriggers } from "../../../src/db/sharding/stale-row-triggers.js";
import { CITUS_ROW_TRIGGERS } from "../../../src/memory/citus-row-triggers.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

it("tells when a trigger function is not in its row form", async () => {
  const em = services.db.em.fork();
  const connection = em.getConnection();
  expect(await staleRowTriggers(em, CITUS_ROW_TRIGGERS)).toBe(true);
  for (const statement of CITUS_ROW_TRIGGERS) await connection.execute(statement);
  expect(await staleRowTriggers(em, CITUS_ROW_TRIGGERS)).toBe(false);
  const migration = new Migration20261129064800TallyClassesForAnyAgent(em.getDriver(), em.config);
  migration.up();
  const [replaced] = migration.getQueries();
  await connection.execute(replaced as string);
  expect(await staleRowTriggers(em, CITUS_ROW_TRIGGERS)).toBe(true);
});
