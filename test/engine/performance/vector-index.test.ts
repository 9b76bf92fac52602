/**
 * The planner's statistics stay fresh on both engines (PGlite has no autovacuum): after a
 * bulk load through the API, the vector search walks the HNSW index instead of sorting every
 * row, and the keyword search the GIN index instead of testing every row, shown by the plans
 * of the very statements the repository runs.
 */
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config.js";
import { RetrievalRepository } from "../../../src/memory/search/retrieval.repository.js";
import { rowEstimate } from "../../support/citus.js";
import { memoryClient } from "../../support/clients.js";
import { WordHashEmbedder, wordHashVector } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { NO_FILTER } from "../../support/factories/search.js";

const MEMORIES = 10_000;

/** A plan's use of the index, or of a shard's copy of it on Citus (its name and "_<shard id>"). */
const usesIndex = (index: string) => new RegExp(`"Index Name":"${index}(_\\d+)?"`);
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

/**
 * Runs `search` against a recorder: each statement containing `marker` is explained instead
 * of run (so it finds nothing), and its plan kept. In a transaction, as the service ranks.
 */
async function planOf(
  em: EntityManager,
  marker: string,
  search: (retrieval: RetrievalRepository) => Promise<unknown>,
): Promise<string[]> {
  const plans: string[] = [];
  await em.fork().transactional(async (tem) => {
    const explaining = new Proxy(tem, {
      get(target, property, receiver) {
        if (property !== "execute") return Reflect.get(target, property, receiver) as unknown;
        return async (text: string, params: unknown[]) => {
          if (text.includes(marker)) {
            const rows = await target.execute<Record<string, unknown>[]>(`explain (format json) ${text}`, params);
            plans.push(JSON.stringify(rows));
            return [];
          }
          return target.execute(text, params);
        };
      },
    });
    await search(new RetrievalRepository(explaining));
  });
  if (plans.length === 0) throw new Error(`the search ran no statement containing ${marker}`);
  return plans;
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

  const viewers = [
    ["an agent-scoped", { workspaceId: "", agentId: "agent-3", admin: false }],
    ["a whole-workspace", { workspaceId: "", agentId: null, admin: true }],
  ] as const;

  /**
   * The whole workspace's vector statements must read the HNSW index. An agent's 1,000 memories
   * here cost the planner the same read in full and sorted as through the index (within 1%,
   * flipping from run to run with the HNSW graph's size, which its random levels vary): either
   * plan is right at this size, as long as it is made on fresh statistics, which the estimate of
   * the agent's memories shows (an unanalysed table plans as empty). At 100k the index wins.
   */
  const expectVectorPlan = (plan: string, viewer: (typeof viewers)[number][1]) => {
    if (viewer.admin || usesIndex("memories_embedding").test(plan)) {
      expect(plan).toMatch(usesIndex("memories_embedding"));
      return;
    }
    const scans = [
      ...plan.matchAll(/"Node Type":"Seq Scan"[^{]*?"Relation Name":"memories(?:_\d+)?"[^{]*?"Plan Rows":(\d+)/g),
    ];
    expect(scans.map((m) => Number(m[1])).some((rows) => rows >= 900 && rows <= 1100)).toBe(true);
  };

  it.each(viewers)("%s vector search uses the HNSW index", async (_, viewer) => {
    const [plan] = await planOf(server.engram.db.em, "<=>", (memories) =>
      memories.nearest({
        viewer: { ...viewer, workspaceId: server.workspaceId },
        filter: NO_FILTER,
        target: { vector: wordHashVector("pricing renewal"), model: "test:word-hash" },
        limit: 60,
        now: new Date(),
      }),
    );
    expectVectorPlan(plan!, viewer);
  });

  it.each(viewers)(
    "%s HYBRID statement (the keyword matches scored on meaning, the nearest on words) uses the HNSW index",
    async (_, viewer) => {
      const [plan] = await planOf(server.engram.db.em, "<=>", (memories) =>
        memories.hybridCandidates({
          viewer: { ...viewer, workspaceId: server.workspaceId },
          filter: NO_FILTER,
          // Note 4243 (agent-3's) holds a rare word, its number, whose memories the full-text index finds.
          text: "pricing renewal 4243",
          target: { vector: wordHashVector("pricing renewal 4243"), model: "test:word-hash" },
          limit: 60,
          now: new Date(),
        }),
      );
      expectVectorPlan(plan!, viewer);
      expect(plan).toMatch(usesIndex("memories_search"));
    },
  );

  it.each([
    // agent-3 sees only its own notes, which use three of the ten words, two of them the question's.
    [...viewers[0], ["both words", "either word"]],
    [...viewers[1], ["all five words", "any four", "any three", "any two", "any one"]],
  ] as const)("%s keyword search uses the full-text index in every tier", async (_, viewer, tiers) => {
    // Every word is common here (in thousands of notes), so every one is searched by tiers; the
    // tiers answer nothing while explained, so the search walks all of them.
    const plans = await planOf(server.engram.db.em, "select id from memories where", (memories) =>
      memories.keywordMatches({
        viewer: { ...viewer, workspaceId: server.workspaceId },
        filter: NO_FILTER,
        text: "pricing renewal churn invoice demo",
        limit: 50,
        now: new Date(),
      }),
    );
    expect(plans).toHaveLength(tiers.length);
    for (const plan of plans) expect(plan).toMatch(usesIndex("memories_search"));
  });

  it("analyses entity_names with the memories, so the mentions trigger probes its index", async () => {
    // Never analysed, PGlite plans the trigger's name lookups for an empty table: a full scan per
    // name found, on every write, growing with the workspace.
    const em = server.engram.db.em.fork();
    const [names] = await em.execute<{ counted: number | string }[]>("select count(*) as counted from entity_names");
    // One per memory here (its subject); the last ANALYZE ran within a tenth of the load's end.
    expect(Number(names?.counted)).toBe(MEMORIES);
    expect(await rowEstimate(em, "entity_names")).toBeGreaterThanOrEqual(MEMORIES * 0.9);
  });

  it("leaves no pending list for searches to read after the bulk load", async () => {
    // Merging returns how many pending pages there were: none, as writes go straight into the
    // index; with GIN's default fast updates this load would leave up to 4 MB for every search.
    const [merged] = await server.engram.db.em
      .fork()
      .execute<{ pages: number | string }[]>(`select gin_clean_pending_list('memories_search') as pages`);
    expect(Number(merged?.pages)).toBe(0);
  });
});
