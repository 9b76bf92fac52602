/**
 * `engram export` and `engram import` moving a workspace between engines: PGlite to Postgres
 * through running servers, then Postgres to a stopped PGlite data directory, losing nothing.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromJsonString, toJson } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ExportMemoriesResponseSchema } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { memoryClient } from "../support/clients.js";
import { createTestDatabase } from "../support/database.js";
import { WordHashEmbedder } from "../support/embedders.js";
import { repoRoot, runEngram, type CliResult } from "../support/engram-process.js";
import { startTestServer, type TestServer } from "../support/server.js";

let scratch: string;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "engram-transfer-"));
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function pgliteServer(dataDir?: string): Promise<TestServer> {
  const config = dataDir === undefined ? { databaseUrl: undefined } : { databaseUrl: undefined, dataDir };
  const server = await startTestServer(config, { embedder: new WordHashEmbedder() });
  cleanups.push(() => server.close());
  return server;
}

async function postgresBackedServer(): Promise<TestServer> {
  // DATABASE_URL's server, or the one the suite starts for tests that need Postgres on a PGlite run.
  const database = await createTestDatabase(inject("postgresUrl"));
  const server = await startTestServer({ databaseUrl: database.url }, { embedder: new WordHashEmbedder() });
  cleanups.push(async () => {
    await server.close();
    await database.drop();
  });
  return server;
}

function succeeded(result: CliResult): CliResult {
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/**
 * Everything but the workspace (the importer's own), line by line. Floats are compared as the
 * 32-bit values they are: one side may print 0.9 and the other 0.8999999761581421 for one value.
 */
function portable(jsonl: string): unknown[] {
  return jsonl
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const item = fromJsonString(ExportMemoriesResponseSchema, line);
      item.embedding = item.embedding.map(Math.fround);
      for (const memory of [item.memory, ...item.revisions.map((r) => r.memory)]) {
        if (memory?.confidence !== undefined) memory.confidence = Math.fround(memory.confidence);
      }
      const json = toJson(ExportMemoriesResponseSchema, item) as {
        memory: Record<string, unknown>;
        revisions?: { memory: Record<string, unknown> }[];
      };
      for (const memory of [json.memory, ...(json.revisions ?? []).map((r) => r.memory)]) delete memory.workspaceId;
      return json;
    });
}

/** Active, updated, deleted and expired memories, keyed and keyless, with metadata and vectors. */
async function fill(server: TestServer): Promise<void> {
  const client = memoryClient(server.baseUrl, server.adminKey);
  const keyed = { subjectType: "contact", subjectId: "ana", kind: "pitch", key: "angle", agentId: "sales" };
  await client.writeMemory({ memory: { ...keyed, content: "angle: time savings" } });
  await client.writeMemory({ memory: { ...keyed, content: "angle: fewer missed leads", metadata: { n: 2 } } });
  const gone = await client.writeMemory({ memory: { subjectType: "contact", kind: "note", content: "left" } });
  await client.deleteMemory({ id: gone.memory!.id, reason: "wrong contact" });
  await client.writeMemory({
    memory: { subjectType: "contact", kind: "note", content: "trial ended", tags: ["trial"] },
    ttl: { seconds: 1n },
  });
  // A superseded memory: export keeps it (and both histories) unless --active-only.
  const old = await client.writeMemory({ memory: { subjectType: "contact", kind: "fact", content: "ana at globex" } });
  await client.writeMemory({
    memory: { subjectType: "contact", kind: "fact", content: "ana at initech" },
    supersedes: [old.memory!.id],
  });
  // More than one import batch (100 a call).
  for (const first of [0, 75]) {
    await client.batchWriteMemories({
      requests: Array.from({ length: 75 }, (_, n) => first + n).map((i) => ({
        memory: {
          subjectType: "log",
          subjectId: `s-${i % 7}`,
          kind: "line",
          content: `observation number ${i} about the renewal`,
          linkedEntities: [{ type: "deal", id: `d-${i % 3}` }],
          confidence: (i % 10) / 10,
        },
      })),
    });
  }
  // Past the ttl, so one memory is exported as expired.
  await new Promise((resolve) => setTimeout(resolve, 1100));
}

describe("engram export | engram import", () => {
  it("moves a workspace from PGlite to Postgres and back to a stopped PGlite, losing nothing", async () => {
    const source = await pgliteServer();
    await fill(source);
    const exported = succeeded(await runEngram(["export", "--url", source.baseUrl, "--api-key", source.adminKey]));
    expect(exported.stderr).toContain(`exported 155 memories from workspace ${source.workspaceId}`);
    const original = portable(exported.stdout);
    expect(original).toHaveLength(155);
    const firstFile = join(scratch, "from-pglite.jsonl");
    await writeFile(firstFile, exported.stdout);

    // Into a Postgres server, through its API: every vector kept (same model).
    const pgTarget = await postgresBackedServer();
    const through = ["--url", pgTarget.baseUrl, "--api-key", pgTarget.adminKey];
    const imported = succeeded(await runEngram(["import", firstFile, ...through]));
    expect(imported.stderr).toContain("155 created, 0 replaced, 0 unchanged, 155 with their vectors");
    const fromPostgres = succeeded(await runEngram(["export", ...through])).stdout;
    expect(portable(fromPostgres)).toEqual(original);
    // Again: nothing changes.
    expect(succeeded(await runEngram(["import", firstFile, ...through])).stderr).toContain(
      "0 created, 0 replaced, 155 unchanged",
    );

    // Into a PGlite data directory no server holds: straight onto the data.
    const dataDir = join(scratch, "pglite-target");
    const secondFile = join(scratch, "from-postgres.jsonl");
    await writeFile(secondFile, fromPostgres);
    const direct = { ENGRAM_DATA_DIR: dataDir, DATABASE_URL: undefined };
    const intoFiles = await runEngram(["import", secondFile, "--workspace", "moved"], direct, 120_000);
    expect(succeeded(intoFiles).stderr).toContain("imported into workspace moved: 155 created");
    const onDisk = succeeded(await runEngram(["export", "--workspace", "moved"], direct, 120_000)).stdout;
    expect(portable(onDisk)).toEqual(original);

    // And a server on that directory serves them, vectors and all.
    const restarted = await pgliteServer(dataDir);
    const key = await restarted.createKey({ workspaceId: "moved" });
    const hits = [];
    for await (const hit of memoryClient(restarted.baseUrl, key).searchMemories({
      query: "observation number 42",
      mode: 2,
    })) {
      hits.push(hit);
    }
    expect(hits[0]?.memory?.content).toBe("observation number 42 about the renewal");
  });

  it("refuses a file with a malformed line before importing any of it", async () => {
    const target = await pgliteServer();
    const source = await pgliteServer();
    await memoryClient(source.baseUrl, source.adminKey).writeMemory({
      memory: { subjectType: "contact", kind: "note", content: "kept out" },
    });
    const line = succeeded(await runEngram(["export", "--url", source.baseUrl, "--api-key", source.adminKey])).stdout;
    const file = join(scratch, "broken.jsonl");
    await writeFile(file, `${line}{"memory": {"colour": "blue"}}\n`);

    const refused = await runEngram(["import", file, "--url", target.baseUrl, "--api-key", target.adminKey]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`${file}:2: not a memory from engram export`);
    const { memories } = await memoryClient(target.baseUrl, target.adminKey).listMemories({});
    expect(memories).toEqual([]);
    expect(await readFile(file, "utf8")).toContain("kept out");
  });
});

describe("engram import --from", () => {
  const fixture = (name: string) => join(repoRoot, "test/fixtures/importers", name);

  it("imports mem0's memories with their history and Letta's, the second time changing nothing", async () => {
    const target = await pgliteServer();
    const through = ["--url", target.baseUrl, "--api-key", target.adminKey];
    const mem0 = ["import", "--from", "mem0", fixture("mem0-get-all.json"), "--history", fixture("mem0-history.json")];
    expect(succeeded(await runEngram([...mem0, ...through])).stderr).toContain("5 created, 0 replaced, 0 unchanged");
    expect(succeeded(await runEngram([...mem0, ...through])).stderr).toContain("0 created, 0 replaced, 5 unchanged");
    const letta = ["import", "--from", "letta", fixture("letta-passages.json"), "--agent", "Evie", ...through];
    expect(succeeded(await runEngram(letta)).stderr).toContain("2 created, 0 replaced, 0 unchanged");
    const { memory } = await memoryClient(target.baseUrl, target.adminKey).getMemory({
      id: "0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f",
    });
    expect(memory).toMatchObject({ content: "Works at Initech as a data engineer", revision: 2n, sourceKind: "mem0" });
  });

  it("refuses a file it cannot read, or a flag its system has no use for, importing nothing", async () => {
    const target = await pgliteServer();
    const through = ["--url", target.baseUrl, "--api-key", target.adminKey];
    const broken = join(scratch, "broken-mem0.json");
    await writeFile(broken, JSON.stringify({ results: [{ id: "a", memory: "fine" }, { id: "b" }] }));
    const refused = await runEngram(["import", "--from", "mem0", broken, ...through]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`${broken}: not mem0 memories: results[1].memory:`);
    const misplaced = await runEngram(["import", "--from", "letta", broken, "--history", broken, ...through]);
    expect(misplaced.stderr).toContain("--history is for --from mem0");
    // Read whole to parse, so a file past 256 MiB is refused before it is (a sparse one: no disk used).
    const huge = join(scratch, "huge-mem0.json");
    await writeFile(huge, "");
    await truncate(huge, 256 * 2 ** 20 + 1);
    const tooLarge = await runEngram(["import", "--from", "mem0", huge, ...through]);
    expect(tooLarge.stderr).toContain(`${huge} is over 256 MiB: split it`);
    const unknown = await runEngram(["import", "--from", "zep", broken, ...through]);
    expect(unknown.stderr).toContain("Allowed choices are engram, mem0, letta");
    const { memories } = await memoryClient(target.baseUrl, target.adminKey).listMemories({});
    expect(memories).toEqual([]);
  });
});
