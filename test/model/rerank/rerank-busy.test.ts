/**
 * A search asking for rerank while the real cross-encoder is already too busy for it answers as
 * the same search without rerank would, at its cost: it asks the model first, before it ranks,
 * and does not read the candidates a rerank would have needed nor wait for the model's queue. A
 * search whose caller goes away takes its waiting rerank call with it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RerankEvent } from "../../../src/memory/search/search.js";
import { LocalReranker } from "../../../src/rerank/local-reranker.js";
import { RERANK_CANDIDATES, RERANK_MAX_TOKENS } from "../../../src/rerank/rerank.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { LOCAL_RERANKER, poolsRecordedIn, watchedReranker } from "../../support/rerankers.js";
import { startServices, type MemoryHarnessOptions, type ServiceHarness } from "../../support/service.js";

const QUESTION = "What does Dana drink in the morning?";
/** A passage long enough to be cut at RERANK_MAX_TOKENS: a full pair. */
const LONG = "Dana keeps a notebook of every meeting and every drink. ".repeat(40);

/** Services over the loaded cross-encoder, and sixty notes about Dana to search. */
async function servicesAnswering(reranker: LocalReranker, memory: MemoryHarnessOptions): Promise<ServiceHarness> {
  await reranker.ready();
  const services = await startServices({ embedder: new WordHashEmbedder(), memory });
  const contents = Array.from({ length: 60 }, (_, i) => `Note ${i}: Dana drinks tea on day ${i}.`);
  await services.memories({}).batchWriteMemories({
    requests: contents.map((content) => ({ memory: { subjectType: "person", subjectId: "dana", content } })),
  });
  return services;
}

describe("a search the reranker is already too busy for", () => {
  // Room for one full search's pairs waiting, not two.
  const reranker = new LocalReranker({
    ...LOCAL_RERANKER,
    maxWaitingTokens: (RERANK_CANDIDATES + 10) * RERANK_MAX_TOKENS,
  });
  /** What the search's rerank call got: its signal, and how it ended. */
  const calls: { signal: AbortSignal | undefined; outcome: Promise<string> }[] = [];
  const watched = watchedReranker(reranker, ({ signal, scored }) => {
    const outcome = scored.then(
      () => "scored",
      (err: unknown) => (err instanceof Error ? err.name : String(err)),
    );
    calls.push({ signal, outcome });
  });
  const pools: number[] = [];
  const events: RerankEvent[] = [];
  let services: ServiceHarness;

  beforeAll(async () => {
    services = await servicesAnswering(reranker, {
      reranker: watched,
      onRerank: (event) => events.push(event),
      repositories: poolsRecordedIn(pools),
    });
  });
  afterAll(async () => {
    await services.close();
    await reranker.close();
  });

  it("ranks as the same search without rerank and answers while the model's queue is still full", async () => {
    const search = async (rerank: boolean) => {
      let header: string | null = null;
      const ids: string[] = [];
      const stream = services
        .memories({})
        .searchMemories({ query: QUESTION, topK: 3, rerank }, { onHeader: (h) => (header = h.get("engram-rerank")) });
      for await (const r of stream) ids.push(r.memory?.id ?? "");
      return { ids, header };
    };
    const plain = await search(false);
    // A search's worth of full pairs on the model: another would wait longer than it is worth.
    let occupied = true;
    const occupying = reranker
      .score(
        QUESTION,
        Array.from({ length: RERANK_CANDIDATES }, (_, i) => `${i} ${LONG}`),
      )
      .finally(() => (occupied = false));
    const asked = await search(true);
    expect(occupied).toBe(true);
    expect(asked.header).toBe("unavailable");
    expect(asked.ids).toEqual(plain.ids);
    expect(pools).toEqual([pools[0], pools[0]]);
    expect(events).toEqual([{ outcome: "busy" }]);
    await occupying;
  });

  it("drops the rerank call of a search whose caller went away before the model reached it", async () => {
    // A call ahead of it on the model, small enough that the search is still admitted behind it.
    const ahead = reranker.score(QUESTION, [LONG, LONG]);
    const gone = new AbortController();
    const stream = services
      .memories({})
      .searchMemories({ query: QUESTION, topK: 3, rerank: true }, { signal: gone.signal });
    const read = (async () => {
      for await (const r of stream) void r;
    })().catch((err: unknown) => err);
    while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    gone.abort();
    expect(await calls[0]!.outcome).toBe("AbortError");
    expect(calls[0]!.signal?.aborted).toBe(true);
    await read;
    await ahead;
  });
});

describe("searches asking for rerank together", () => {
  // Nothing may wait beside the call on the model: one search at a time ranks for rerank.
  const reranker = new LocalReranker({ ...LOCAL_RERANKER, maxWaitingTokens: 1 });
  let scoreCalls = 0;
  const counted = watchedReranker(reranker, () => (scoreCalls += 1));
  let services: ServiceHarness;
  beforeAll(async () => {
    services = await servicesAnswering(reranker, { reranker: counted });
  });
  afterAll(async () => {
    await services.close();
    await reranker.close();
  });

  it("rank for rerank only as many as the model has room for; the others rank as without rerank", async () => {
    const search = async () => {
      let header: string | null = null;
      const stream = services
        .memories({})
        .searchMemories(
          { query: QUESTION, topK: 3, rerank: true },
          { onHeader: (h) => (header = h.get("engram-rerank")) },
        );
      for await (const r of stream) void r;
      return header;
    };
    const headers = await Promise.all([search(), search(), search(), search()]);
    // Each was admitted before any had ranked without the room they reserved counting as waiting.
    expect(scoreCalls).toBe(1);
    expect(headers.sort()).toEqual(["applied", "unavailable", "unavailable", "unavailable"]);
  });
});
