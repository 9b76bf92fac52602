/**
 * The planner's statistics stay fresh on both engines (PGlite has no autovacuum): after a
 * bulk load through the API, the vector search walks the HNSW index instead of sorting every
 * row, shown by the plan of the very statement the repository runs.
 */
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Viewer } from "../../src/auth/principal.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { MemoryRepository, type FilterQuery } from "../../src/memory/memory.repository.js";
import { memoryClient } from "../support/clients.js";
import { WordHashEmbedder, wordHashVector } from "../support/embedders.js";
import { startTestServer, type TestServer } from "../support/server.js";

const MEMORIES = 10_000;
const AGENTS = 10;
const WORDS = [
  "renewal",
  "pricing",
  "onboarding",
  "churn",
  "invoice",
  "demo",
  "support",
  "upsell",
  "contract",
  "usage",
];

const noFilter: FilterQuery = { kinds: [], tags: [], anyTags: [], showDeleted: false, showExpired: false };

/**
 * Runs the repository's nearest() against a recorder: the first vector statement is explained
 * instead of run, and its plan kept.
 */
async function vectorPlan(em: EntityManager, viewer: Viewer): Promise<string> {
  let plan: string | undefined;
  const explaining = new Proxy(em, {
    get(target, property, receiver) {
      if (property !== "execute") return Reflect.get(target, property, receiver) as unknown;
      return async (text: string, params: unknown[]) => {
        if (plan === undefined && text.includes("<=>")) {
          const rows = await target.execute<Record<string, unknown>[]>(`explain (format json) ${text}`, params);
          plan = JSON.stringify(rows);
          return [];
        }
        return target.execute(text, params);
      };
    },
  });
  await new MemoryRepository(explaining).nearest(
    viewer,
    noFilter,
    wordHashVector("pricing renewal"),
    "test:word-hash",
    60,
    new Date(),
  );
  if (plan === undefined) throw new Error("nearest() ran no vector statement");
  return plan;
}

describe(`at ${MEMORIES} memories`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(
      { embedding: { ...DEFAULT_CONFIG.embedding, provider: "local" } },
      { embedder: new WordHashEmbedder() },
    );
    const client = memoryClient(server.baseUrl, server.adminKey);
    for (let start = 0; start < MEMORIES; start += 100) {
      const requests = Array.from({ length: 100 }, (_, j) => {
        const i = start + j;
        return {
          memory: {
            agentId: `agent-${i % AGENTS}`,
            subjectType: "account",
            subjectId: `acct-${i % 500}`,
            kind: "note",
            content: `${WORDS[i % 10]} ${WORDS[(i * 7) % 10]} call ${i} about ${WORDS[(i * 3) % 10]}`,
          },
        };
      });
      await client.batchWriteMemories({ requests });
    }
    await server.engram.statistics.settled();
  }, 600_000);
  afterAll(() => server.close());

  it.each([
    ["an agent-scoped", { workspaceId: "", agentId: "agent-3", admin: false }],
    ["a whole-workspace", { workspaceId: "", agentId: null, admin: true }],
  ])("%s vector search uses the HNSW index", async (_, viewer) => {
    const plan = await vectorPlan(server.engram.db.em.fork(), { ...viewer, workspaceId: server.workspaceId });
    expect(plan).toContain('"Index Name":"memories_embedding"');
  });
});
