import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { MemorySchema } from "../../gen/ts/engram/v1/memory_pb.js";
import { toDraft } from "../../src/memory/mapper.js";
import { MemoryRepository } from "../../src/memory/memory.repository.js";
import type { MemoryRecord } from "../../src/memory/record.js";
import type { MemoryInit } from "./factories/memory.js";
import { WordHashEmbedder, wordHashVector } from "./embedders.js";
import type { TestServer } from "./server.js";

const CHUNK = 500;
/** The vectors are WordHashEmbedder's: a server running it searches them. */
const MODEL = new WordHashEmbedder().id;

/**
 * Stores many memories at once through the repository's own insert (drafts normalised as a
 * write normalises them, vectors attached, revisions recorded by the triggers), then refreshes
 * the planner's statistics (the server only counts the writes made through it). For suites
 * about what a large table does to reads: 10,000 memories took 32 s through the API on a
 * 2-core machine, 20 s this way. The vector index is dropped for the load and built again from
 * the database's own definition once the rows are in, as a restore does: inserting each vector
 * into the graph was most of those 20 s (volume.test.ts: 34.8 s -> 22.3 s on PGlite).
 */
export async function bulkInsert(
  server: TestServer,
  memories: readonly MemoryInit[],
  workspaceId = server.workspaceId,
): Promise<MemoryRecord[]> {
  const now = new Date();
  const stored: MemoryRecord[] = [];
  const db = server.engram.db.em.fork();
  const [vectorIndex] = await db.execute<{ indexdef: string }[]>(
    "select indexdef from pg_indexes where schemaname = current_schema() and indexname = 'memories_embedding'",
  );
  await db.execute("drop index memories_embedding");
  try {
    for (let start = 0; start < memories.length; start += CHUNK) {
      const items = memories.slice(start, start + CHUNK).map((init) => {
        const memory = create(MemorySchema, init);
        const draft = toDraft(memory, memory.agentId === "" ? null : memory.agentId, { now });
        return {
          id: randomUUID(),
          draft,
          embedded: { vector: wordHashVector(draft.content), model: MODEL },
          change: { kind: "created" as const, keyId: null, agentId: null, reason: null },
        };
      });
      const em = server.engram.db.em.fork();
      stored.push(
        ...(await em.transactional((tem) => new MemoryRepository(tem).insertDrafts({ workspaceId, items, now }))),
      );
    }
  } finally {
    await db.execute(vectorIndex!.indexdef);
  }
  await db.execute("analyze memories");
  return stored;
}
