/**
 * The tally migrations of 2026-11-29, run over rows as the names triggers wrote them before:
 * 20261129064800 makes anew the tallies of a workspace with an agent called '*' (whose private
 * class was '*', an admin's) and leaves the others; 20261129071000 fills entity tallies' admin
 * class ('*') from the names, so an admin reads the same counts as before; 20261129130000 marks
 * the folded rows of an entity that goes by one name key (sole_key).
 */
import type { Migration } from "@mikro-orm/migrations";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { Migration20261129064800TallyClassesForAnyAgent } from "../../../src/db/migrations/20261129064800-tally-classes-for-any-agent.js";
import { Migration20261129071000EntityTalliesAdminClass } from "../../../src/db/migrations/20261129071000-entity-tallies-admin-class.js";
import { Migration20261129130000EntityTalliesSoleKey } from "../../../src/db/migrations/20261129130000-entity-tallies-sole-key.js";
import { foldWorkspaceTallies } from "../../../src/graph/tallies/folds.js";
import { failure } from "../../support/codes.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { weightsBetween } from "../../support/graph-edges.js";
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
  return weightsBetween(graph.edges, "w1", "w2");
}

const tallyRows = async (workspaceId: string) =>
  services.db.em
    .fork()
    .execute<{ reader: string; n: string }[]>(
      `select reader, count(*) as n from relation_tallies where workspace_id = '${workspaceId}' group by reader order by reader`,
    );

/** Every entity an admin of the workspace lists, with its count. */
const listed = async (caller: { workspaceId?: string; scopes: "admin"[] }) =>
  (await services.entities(caller).listEntities({ pageSize: 100 })).entities.map((e) => [e.ref?.id, e.mentionCount]);

it("makes anew the tallies of a workspace with an agent called '*', and an admin's entity class", async () => {
  const note = aNote("p", "Two teams only the agent called star knows of", { linkedEntities: pair });
  await writeMemory(services.memories({ agentId: "*" }), note);
  await writeMemory(services.memories({ ...other, agentId: "agent-a" }), note);
  await writeMemory(
    services.memories({ ...other, agentId: "agent-b" }),
    aNote("q", "Met Ana Silva in Lisbon", { visibility: Visibility.SHARED, linkedEntities: pair }),
  );
  const counts = await listed(other);
  expect(counts.length).toBeGreaterThan(3);
  // What the names triggers wrote before: the agent's id as its class, no admin entity class.
  const connection = services.db.em.getConnection();
  await connection.execute(`delete from entity_tallies where reader = '*'`);
  for (const table of ["entity_tallies", "relation_tallies"])
    await connection.execute(`update ${table} set reader = '*' where reader = '@*'`);
  expect(await weight({ scopes: ["admin"] })).toEqual([2]);
  const untouched = await tallyRows(other.workspaceId);

  const { em } = services.db;
  const migrations: Migration[] = [
    new Migration20261129064800TallyClassesForAnyAgent(em.getDriver(), em.config),
    new Migration20261129071000EntityTalliesAdminClass(em.getDriver(), em.config),
  ];
  for (const migration of migrations) {
    await migration.up();
    for (const statement of migration.getQueries()) await connection.execute(statement);
  }

  expect(await weight({ scopes: ["admin"] })).toEqual([1]);
  expect(await weight({ agentId: "*" })).toEqual([1]);
  expect((await failure(services.entities({ agentId: "agent-b" }).getEntity(pair[0]!))).code).toBe(5);
  expect(await tallyRows(services.workspaceId)).toEqual([
    { reader: "*", n: expect.anything() },
    { reader: "@*", n: expect.anything() },
  ]);
  expect(await tallyRows(other.workspaceId)).toEqual(untouched);
  expect(await listed(other)).toEqual(counts);
});

it("marks the folded rows of an entity that goes by one name key, and no other", async () => {
  const caller = { workspaceId: "sole-keys", scopes: ["admin" as const] };
  const memories = services.memories(caller);
  await writeMemory(memories, aNote("n", "Cara Tallis signed the order"));
  await writeMemory(memories, aNote("n", "Dan Tallis signed the order"));
  await writeMemory(memories, aNote("n", "Eve Tallis signed the order"));
  await services.entities(caller).mergeEntities({
    from: { type: "person", id: "dan tallis" },
    into: { type: "person", id: "cara tallis" },
  });
  await foldWorkspaceTallies(services.db.em.fork(), caller.workspaceId);
  const marks = () =>
    services.db.em.fork().execute<{ id: string; sole: boolean }[]>(
      `select id, bool_and(sole_key) as sole from entity_tallies where workspace_id = 'sole-keys'
          and type = 'person' group by id order by id`,
    );
  const folded = await marks();
  expect(folded).toEqual([
    { id: "cara tallis", sole: false },
    { id: "eve tallis", sole: true },
  ]);
  // The rows as they were before the column: the migration marks them as the fold did.
  const connection = services.db.em.getConnection();
  await connection.execute("drop index entity_tallies_unfolded_entity");
  await connection.execute('alter table "entity_tallies" drop column "sole_key"');
  const { em } = services.db;
  const migration = new Migration20261129130000EntityTalliesSoleKey(em.getDriver(), em.config);
  migration.up();
  for (const statement of migration.getQueries()) await connection.execute(statement);
  expect(await marks()).toEqual(folded);
});
