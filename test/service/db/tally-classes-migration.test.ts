/**
 * Migration 20261129064800: before it, a private memory's tally class was its agent's id, so an
 * agent called '*' wrote its private relations into the admin's class ('*'). A workspace with
 * such an agent has its tallies made anew; the others' are left as they are.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Migration20261129064800TallyClassesForAnyAgent } from "../../../src/db/migrations/20261129064800-tally-classes-for-any-agent.js";
import { failure } from "../../support/codes.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

const pair = [
  { type: "team", id: "w1" },
  { type: "team", id: "w2" },
];
const other = { workspaceId: "untouched", scopes: ["admin" as const] };

/** The weight of the relation between the two teams, for one caller. */
async function weight(caller: { agentId?: string; scopes?: "admin"[] }): Promise<number[]> {
  const graph = await services.entities(caller).getEntityGraph({ ...pair[0]!, depth: 1 });
  const ends = (e: (typeof graph.edges)[number]) => [e.subject?.id, e.object?.id].sort().join();
  return graph.edges.filter((e) => ends(e) === "w1,w2").map((e) => e.weight);
}

const tallyRows = async (workspaceId: string) =>
  services.db.em
    .fork()
    .execute<{ reader: string; n: string }[]>(
      `select reader, count(*) as n from relation_tallies where workspace_id = '${workspaceId}' group by reader order by reader`,
    );

it("makes anew the tallies of a workspace whose agent is called '*', and only those", async () => {
  const note = aNote("p", "Two teams only the agent called star knows of", { linkedEntities: pair });
  await writeMemory(services.memories({ agentId: "*" }), note);
  await writeMemory(services.memories({ ...other, agentId: "agent-a" }), note);
  // What the names triggers wrote before the migration: the agent's id as its class.
  const connection = services.db.em.getConnection();
  for (const table of ["entity_tallies", "relation_tallies"])
    await connection.execute(`update ${table} set reader = '*' where reader = '@*'`);
  expect(await weight({ scopes: ["admin"] })).toEqual([2]);
  const untouched = await tallyRows(other.workspaceId);

  const migration = new Migration20261129064800TallyClassesForAnyAgent(
    services.db.em.getDriver(),
    services.db.em.config,
  );
  migration.up();
  for (const statement of migration.getQueries()) await connection.execute(statement);

  expect(await weight({ scopes: ["admin"] })).toEqual([1]);
  expect(await weight({ agentId: "*" })).toEqual([1]);
  expect((await failure(services.entities({ agentId: "agent-b" }).getEntity(pair[0]!))).code).toBe(5);
  expect(await tallyRows(services.workspaceId)).toEqual([
    { reader: "*", n: expect.anything() },
    { reader: "@*", n: expect.anything() },
  ]);
  expect(await tallyRows(other.workspaceId)).toEqual(untouched);
});
