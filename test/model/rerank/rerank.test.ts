/**
 * SearchMemoriesRequest.rerank: the real cross-encoder reorders a search's fused results
 * (src/rerank). It reorders only what the search found for the caller, and a search that asks
 * for it without a loaded model keeps its order and says so in the engram-rerank header. The
 * model's own behaviour (order invariance, cuts, its limit and thread) is tested once, in
 * cross-encoder.test.ts, beside this file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { SearchMode, type SearchMemoriesRequestSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { LocalReranker } from "../../../src/rerank/local-reranker.js";
import { RERANK_CANDIDATES, RERANK_WEIGHT } from "../../../src/rerank/rerank.js";
import type { RerankEvent } from "../../../src/memory/search/search.js";
import { RerankerBusy, type Reranker } from "../../../src/rerank/reranker.js";
import { WordHashEmbedder, realReranker } from "../../support/embedders.js";
import { LOCAL_RERANKER, poolsRecordedIn } from "../../support/rerankers.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";

interface Hit {
  content: string;
  score: number;
  rerankScore: number;
}

/** Each result, best first, and the engram-rerank header (null when not sent). */
async function search(
  services: ServiceHarness,
  request: MessageInitShape<typeof SearchMemoriesRequestSchema>,
  caller: Caller = {},
): Promise<{ hits: Hit[]; rerank: string | null }> {
  let rerank: string | null = null;
  const hits: Hit[] = [];
  const stream = services.memories(caller).searchMemories(request, {
    onHeader: (header) => (rerank = header.get("engram-rerank")),
  });
  for await (const r of stream) {
    hits.push({ content: r.memory?.content ?? "", score: r.score, rerankScore: r.rerankScore });
  }
  return { hits, rerank };
}

async function write(services: ServiceHarness, caller: Caller, contents: string[], visibility = Visibility.SHARED) {
  const { results } = await services.memories(caller).batchWriteMemories({
    requests: contents.map((content) => ({
      memory: { subjectType: "person", subjectId: "dana", kind: "note", content, visibility },
    })),
  });
  expect(results.every((r) => r.result.case === "response")).toBe(true);
}

/** The answer shares one word with the question; the distractor repeats most of them. */
const ANSWER = "Dana starts each day with a pot of green tea.";
const DISTRACTORS = ["Morning standup notes: what to drink at the offsite, who brings drinks in the morning."];
const QUESTION = "What does Dana drink in the morning?";
/** Notes that share no word with the question: the search still finds them, after the rest. */
const FILLER = Array.from({ length: RERANK_CANDIDATES + 15 }, (_, i) => `Invoice ${i} was filed for region ${i % 7}.`);

describe("rerank with the cross-encoder", () => {
  let services: ServiceHarness;
  const reader: Caller = { agentId: `reader-${randomUUID()}` };
  const other: Caller = { agentId: `other-${randomUUID()}` };

  beforeAll(async () => {
    const reranker = realReranker();
    await reranker.ready();
    // Word-hash vectors rank the distractors first, as many shared words make them look closest.
    services = await startServices({ embedder: new WordHashEmbedder(), memory: { reranker } });
    await write(services, reader, [ANSWER, ...DISTRACTORS, ...FILLER]);
    // Another agent's private notes that answer the question better than anything the reader may see.
    await write(services, other, ["Dana drinks oat-milk coffee in the morning."], Visibility.PRIVATE);
    await write(services, { workspaceId: `ws-${randomUUID()}` }, ["In the morning Dana drinks espresso."]);
  });
  afterAll(() => services.close());

  it("puts the memory that answers the question first, and reports the reranker's score", async () => {
    const fused = await search(services, { query: QUESTION, topK: 5 }, reader);
    expect(fused.rerank).toBeNull();
    expect(fused.hits[0]?.content).not.toBe(ANSWER);
    expect(fused.hits.every((h) => h.rerankScore === 0)).toBe(true);

    const reranked = await search(services, { query: QUESTION, topK: 5, rerank: true }, reader);
    expect(reranked.rerank).toBe("applied");
    expect(reranked.hits[0]?.content).toBe(ANSWER);
    expect(reranked.hits[0]?.rerankScore).toBeGreaterThan(0.5);
    for (const h of reranked.hits) expect(h.rerankScore).toBeGreaterThan(0);
    // The order is the blended score's.
    const scores = reranked.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("changes order only among the fused candidates: the same memories, in another order", async () => {
    const fused = await search(services, { query: QUESTION, topK: RERANK_CANDIDATES, mode: SearchMode.HYBRID }, reader);
    expect(fused.hits).toHaveLength(RERANK_CANDIDATES);
    const reranked = await search(services, { query: QUESTION, topK: RERANK_CANDIDATES, rerank: true }, reader);
    expect(reranked.hits.map((h) => h.content).sort()).toEqual(fused.hits.map((h) => h.content).sort());
    expect(reranked.hits.map((h) => h.content)).not.toEqual(fused.hits.map((h) => h.content));
    // A smaller top_k takes the best of the same candidates.
    const top3 = await search(services, { query: QUESTION, topK: 3, rerank: true }, reader);
    expect(top3.hits.map((h) => h.content)).toEqual(reranked.hits.slice(0, 3).map((h) => h.content));
    // Each score blends the reranker's with the fused one.
    const fusedScore = new Map(fused.hits.map((h) => [h.content, h.score]));
    for (const h of reranked.hits) {
      const expected = RERANK_WEIGHT * h.rerankScore + (1 - RERANK_WEIGHT) * (fusedScore.get(h.content) ?? NaN);
      expect(h.score).toBeCloseTo(expected, 5);
    }
  });

  it("never shows a memory the caller may not read, however well it answers", async () => {
    const reranked = await search(services, { query: QUESTION, topK: 100, rerank: true }, reader);
    const contents = reranked.hits.map((h) => h.content);
    expect(contents).toHaveLength(1 + DISTRACTORS.length + FILLER.length);
    expect(contents).not.toContain("Dana drinks oat-milk coffee in the morning.");
    expect(contents).not.toContain("In the morning Dana drinks espresso.");
  });

  it("keeps min_score's meaning: results below it, by the blended score, are left out", async () => {
    const all = await search(services, { query: QUESTION, topK: 10, rerank: true }, reader);
    const threshold = all.hits[2]!.score;
    const kept = await search(services, { query: QUESTION, topK: 10, rerank: true, minScore: threshold }, reader);
    expect(kept.hits.map((h) => h.content)).toEqual(all.hits.filter((h) => h.score >= threshold).map((h) => h.content));
  });

  it("names the reranker in GetMemoryStats once its model is loaded", async () => {
    const stats = await services.memories({ scopes: ["admin"] }).getMemoryStats({});
    expect(stats.rerankModel).toBe("local:cross-encoder/ms-marco-MiniLM-L-12-v2:q8");
  });
});

describe("rerank without a loaded model", () => {
  async function servicesWith(
    reranker: Reranker | null,
    onRerank?: (event: RerankEvent) => void,
  ): Promise<ServiceHarness> {
    const services = await startServices({ embedder: new WordHashEmbedder(), memory: { reranker, onRerank } });
    cleanups.push(() => services.close());
    await write(services, {}, [ANSWER, ...DISTRACTORS]);
    return services;
  }

  it("keeps the order of a search the reranker is too busy for, and says rerank was unavailable", async () => {
    const busy: Reranker = {
      id: "test:busy",
      loaded: true,
      ready: () => Promise.resolve(),
      // Busy only once it sees the passages: the search has ranked for rerank by then.
      reserve: () => ({ release: () => undefined }),
      score: () => Promise.reject(new RerankerBusy("about 40000 tokens are waiting for the reranker already")),
      close: () => Promise.resolve(),
    };
    const events: RerankEvent[] = [];
    const services = await servicesWith(busy, (event) => events.push(event));
    const fused = await search(services, { query: QUESTION, topK: 3 });
    const asked = await search(services, { query: QUESTION, topK: 3, rerank: true });
    expect(asked.rerank).toBe("unavailable");
    expect(asked.hits).toEqual(fused.hits);
    expect(events).toEqual([{ outcome: "busy" }]);
  });

  it("ranks a search it cannot rerank as the same search without rerank: the same candidate pool", async () => {
    const pools: number[] = [];
    const services = await startServices({
      embedder: new WordHashEmbedder(),
      memory: {
        reranker: null,
        repositories: poolsRecordedIn(pools),
      },
    });
    cleanups.push(() => services.close());
    await write(services, {}, [ANSWER, ...DISTRACTORS]);
    await search(services, { query: QUESTION, topK: 3 });
    await search(services, { query: QUESTION, topK: 3, rerank: true });
    expect(pools).toHaveLength(2);
    expect(pools[1]).toBe(pools[0]);
  });

  it("lets an evaluation that reranks wait for the model to load, where a search would not", async () => {
    const services = await servicesWith(new LocalReranker(LOCAL_RERANKER));
    const configurations = [{ mode: SearchMode.HYBRID, rerank: true }];
    const queries = [{ query: QUESTION, expectedMetadata: [{}] }];
    const reranked = [];
    for await (const m of services.search().evaluateSearch({ configurations, queries })) {
      if (m.result.case === "query") reranked.push(m.result.value.reranked);
    }
    expect(reranked).toEqual([true]);
  });

  it.each([
    ["the server has no reranker (--reranker none)", () => null],
    [
      "its model is missing from the models directory",
      () => new LocalReranker({ ...LOCAL_RERANKER, modelDir: emptyDir }),
    ],
  ])("keeps the fused order and says rerank was unavailable when %s", async (_, reranker) => {
    const services = await servicesWith(reranker());
    const fused = await search(services, { query: QUESTION, topK: 3 });
    const asked = await search(services, { query: QUESTION, topK: 3, rerank: true });
    expect(asked.rerank).toBe("unavailable");
    expect(asked.hits).toEqual(fused.hits);
    expect(asked.hits.every((h) => h.rerankScore === 0)).toBe(true);
    expect((await services.memories({ scopes: ["admin"] }).getMemoryStats({})).rerankModel).toBe("");
  });
});

const cleanups: (() => Promise<unknown>)[] = [];
let emptyDir = "";
beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), "engram-no-models-"));
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await rm(emptyDir, { recursive: true, force: true });
});
