/**
 * The workspace's rerank settings with the real cross-encoder: rerank_candidates is how many
 * fused results it reads (the pool follows), rerank_weight how much its score weighs, and
 * rerank_by_default reranks a search that does not say.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WordHashEmbedder, realReranker } from "../../support/embedders.js";
import { poolsRecordedIn } from "../../support/rerankers.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
const pools: number[] = [];
const workspaceId = `ws-${randomUUID()}`;
const reader: Caller = { workspaceId, scopes: ["memory:read", "memory:write"] };
const admin: Caller = { workspaceId, scopes: ["admin"] };

beforeAll(async () => {
  const reranker = realReranker();
  await reranker.ready();
  services = await startServices({
    embedder: new WordHashEmbedder(),
    memory: { reranker, repositories: poolsRecordedIn(pools) },
  });
  const notes = ["Dana starts each day with a pot of green tea.", "Morning standup: who brings drinks in the morning."];
  for (let i = 0; i < 30; i++) notes.push(`Invoice ${i} was filed for region ${i % 7}.`);
  await services.memories(reader).batchWriteMemories({
    requests: notes.map((content) => ({ memory: { subjectType: "person", subjectId: "dana", kind: "note", content } })),
  });
});
afterAll(() => services.close());

async function search(req: { rerank?: boolean }) {
  let rerank: string | null = null;
  const hits = [];
  const stream = services
    .memories(reader)
    .searchMemories(
      { query: "What does Dana drink in the morning?", topK: 5, ...req },
      { onHeader: (h) => (rerank = h.get("engram-rerank")) },
    );
  for await (const hit of stream) hits.push(hit);
  return { hits, rerank };
}

describe("rerank settings", () => {
  it("read rerank_candidates fused results and weigh the reranker's score by rerank_weight", async () => {
    await services.search(admin).updateSearchSettings({ settings: { rerankCandidates: 20, rerankWeight: 1 } });
    pools.length = 0;
    const { hits, rerank } = await search({ rerank: true });
    expect(rerank).toBe("applied");
    // 20 candidates reranked: the pool is 50 per 10 of them.
    expect(pools).toEqual([100]);
    for (const hit of hits) expect(hit.score).toBeCloseTo(hit.rerankScore, 5);

    await services.search(admin).updateSearchSettings({ settings: { rerankWeight: 0 } });
    pools.length = 0;
    const fusedOnly = await search({ rerank: true });
    expect(pools).toEqual([200]);
    // Weight 0: the reranker scores, but the order and scores are the fused ones.
    const plain = await search({ rerank: false });
    expect(fusedOnly.hits.map((h) => h.memory?.id)).toEqual(plain.hits.map((h) => h.memory?.id));
    expect(fusedOnly.hits.some((h) => h.rerankScore > 0)).toBe(true);
  });

  it("rerank a search that does not say when rerank_by_default is on", async () => {
    await services.search(admin).updateSearchSettings({ settings: { rerankByDefault: true } });
    const unasked = await search({});
    expect(unasked.rerank).toBe("applied");
    expect(unasked.hits.every((h) => h.rerankScore > 0)).toBe(true);
    expect((await search({ rerank: false })).rerank).toBeNull();
  });
});
