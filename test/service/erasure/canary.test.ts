/**
 * Physically gone: a canary written into memories in every way a memory can carry text (content,
 * title, tags, metadata, key, linked entities, relations, names in content), revised, staged,
 * written with request ids, named and merged as an entity, searched for, then erased. Afterwards
 * no text, jsonb or bytea value of any table holds it, nor pg_statistic's samples; on PGlite,
 * once the database is closed, no byte of its data directory does.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { Database } from "../../../src/db/orm.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { erase } from "../../support/erasure.js";
import { ADMIN_SCOPES } from "../../support/factories/key.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

/** Letters only, so that every store keeps it as it is (ids and name keys are lower case). */
const CANARY = `qzv${randomBytes(8)
  .toString("hex")
  .replace(/\d/g, (d) => "ghijklmnop"[Number(d)]!)}`;

it("leaves no trace of the canary in any row, nor on PGlite in any file", { timeout: 60_000 }, async () => {
  const services = await startServices({ embedder: new WordHashEmbedder() });
  const admin = { scopes: ADMIN_SCOPES, agentId: "agent-canary" };
  const memories = services.memories(admin);
  const person = { type: "person", id: `${CANARY} lopez` };
  const written = await memories.writeMemory({
    requestId: randomUUID(),
    memory: {
      subjectType: "contact",
      subjectId: "erase-me",
      kind: "preference",
      key: `channel-${CANARY}`,
      content: `Maria ${CANARY} Lopez prefers calls; her code word is ${CANARY}`,
      title: `Calls for ${CANARY}`,
      tags: ["erase-me", `nick:${CANARY}`],
      metadata: { note: CANARY },
      linkedEntities: [person],
      relations: [{ subject: person, predicate: "works_at", object: { type: "organization", id: `${CANARY} corp` } }],
      visibility: Visibility.SHARED,
    },
  });
  const id = written.memory!.id;
  await memories.updateMemory({ id, memory: { title: `Still ${CANARY}` }, updateMask: { paths: ["title"] } });
  await memories.writeMemory({
    requestId: randomUUID(),
    memory: {
      subjectType: "contact",
      subjectId: "erase-me",
      kind: "note",
      content: `Second note on ${CANARY}`,
      tags: ["erase-me"],
    },
  });
  const staged = services.stagedWrites(admin);
  await staged.createStagedWrite({
    requests: [
      {
        memory: {
          subjectType: "contact",
          subjectId: "erase-me",
          kind: "preference",
          key: `channel-${CANARY}`,
          content: `Staged ${CANARY}`,
        },
      },
    ],
  });
  const entities = services.entities(admin);
  await entities.updateEntity({
    ...person,
    entity: { name: `Maria ${CANARY}`, aliases: [`M. ${CANARY}`], attributes: { code: CANARY } },
    updateMask: { paths: ["name", "aliases", "attributes"] },
  });
  await entities.mergeEntities({ from: { type: "organization", id: `${CANARY} corp` }, into: person });
  await memories.deleteMemory({ id, reason: `forget ${CANARY}` });
  for await (const hit of memories.searchMemories({ query: `code word ${CANARY}` })) expect(hit.memory).toBeDefined();
  const unrelated = await memories.writeMemory({
    memory: { subjectType: "contact", subjectId: "keep-me", kind: "note", content: "Prefers email on Mondays" },
  });
  expect(await holders(services.db)).not.toEqual([]);

  const { receipt } = await erase(memories, { filter: { tags: ["erase-me"] } });
  expect(Number(receipt.counts!.memories)).toBe(2);
  // The server scrubs its embedded files a while after the last erasure; the test does not wait.
  await services.scrubbed();

  expect(await holders(services.db)).toEqual([]);
  expect((await memories.getMemory({ id: unrelated.memory!.id })).memory?.content).toBe("Prefers email on Mondays");
  await closeAndScan(services);
});

/** Every column of every table that could hold text, and pg_statistic's samples, that hold the canary. */
async function holders(db: Database): Promise<string[]> {
  const em = db.em.fork();
  const columns = await em.execute<{ table_name: string; column_name: string; data_type: string }[]>(
    `select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public' and data_type in ('text', 'jsonb', 'json', 'bytea', 'ARRAY', 'character varying')`,
  );
  const found: string[] = [];
  for (const c of columns) {
    const value = c.data_type === "bytea" ? `encode("${c.column_name}", 'escape')` : `"${c.column_name}"::text`;
    const [row] = await em.execute<{ n: string | number }[]>(
      `select count(*) as n from "${c.table_name}" where ${value} like ?`,
      [`%${CANARY}%`],
    );
    if (Number(row?.n) > 0) found.push(`${c.table_name}.${c.column_name}`);
  }
  const [stats] = await em.execute<{ n: string | number }[]>(
    `select count(*) as n from pg_statistic where concat_ws(' ', stavalues1, stavalues2, stavalues3, stavalues4, stavalues5)::text like ?`,
    [`%${CANARY}%`],
  );
  if (Number(stats?.n) > 0) found.push("pg_statistic");
  return found;
}

/** On PGlite: the files of the closed database, none of which may hold the canary's bytes. */
async function closeAndScan(services: ServiceHarness): Promise<void> {
  const embedded = services.db.kind === "pglite";
  await services.close(async (dataDir) => {
    if (!embedded) return;
    const files = await filesUnder(dataDir);
    expect(files.length).toBeGreaterThan(100);
    const holding = [];
    for (const file of files) if ((await readFile(file)).includes(CANARY)) holding.push(file.slice(dataDir.length));
    expect(holding).toEqual([]);
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
