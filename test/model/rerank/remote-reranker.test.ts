/**
 * --reranker <url>: RemoteReranker against a real rerank API the test starts, which serves the
 * packaged cross-encoder over HTTP (test/support/rerank-server.ts). Both request shapes give the
 * model's own scores; a search reranks through it as through the local model; timeouts, failures,
 * bounded concurrency and shedding keep searches answering in their fused order.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteReranker, type RemoteRerankerOptions } from "../../../src/rerank/remote-reranker.js";
import { RerankerBusy } from "../../../src/rerank/reranker.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { realReranker, WordHashEmbedder } from "../../support/embedders.js";
import { RerankServer } from "../../support/rerank-server.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

const QUERY = "What does Dana drink in the morning?";
const PASSAGES = [
  "Invoice 7 was filed for region 3.",
  "Dana starts each day with a pot of green tea.",
  "Morning standup notes: who brings drinks in the morning.",
];

const server = new RerankServer();
let url = "";
beforeAll(async () => {
  url = await server.start();
});
afterAll(() => server.stop());

const remote = (over: Partial<RemoteRerankerOptions> = {}) =>
  new RemoteReranker({ url, api: "cohere", timeoutMs: 5_000, concurrency: 4, ...over });

const reset = () => Object.assign(server, { delayMs: 0, failWith: 0, calls: 0, maxInFlight: 0, rawAnswer: undefined });

describe("RemoteReranker", () => {
  it("gives the model's own scores, in the order sent, through either API's request and answer", async () => {
    reset();
    const expected = await realReranker().score(QUERY, PASSAGES);
    for (const api of ["cohere", "tei"] as const) {
      const scores = await remote({ api, model: "ms-marco", apiKey: "k-1" }).score(QUERY, PASSAGES);
      expect(
        scores.map((s) => s.toFixed(5)),
        api,
      ).toEqual(expected.map((s) => s.toFixed(5)));
      expect(server.lastAuthorization).toBe("Bearer k-1");
    }
    expect(server.lastBody).toEqual({
      query: QUERY,
      texts: PASSAGES,
      truncate: true,
      raw_scores: false,
      return_text: false,
    });
    await remote({ model: "ms-marco" }).score(QUERY, PASSAGES);
    expect(server.lastBody).toEqual({ model: "ms-marco", query: QUERY, documents: PASSAGES, top_n: 3 });
    expect(server.lastAuthorization).toBeUndefined();
  });

  it("names its endpoint and model without the credentials a URL may carry", () => {
    const named = new RemoteReranker({
      url: "https://user:pw@gpu.example:8443/v1/rerank",
      api: "cohere",
      model: "m",
      timeoutMs: 1,
      concurrency: 1,
    });
    expect(named.id).toBe("remote:gpu.example:8443/v1/rerank:m");
  });

  it("fails a call past its timeout, skips the service a while after, then tries it again", async () => {
    reset();
    const failures: number[] = [];
    // Generous beside the model's own time, which a loaded CI machine stretches.
    const reranker = remote({ timeoutMs: 1500, retryAfterMs: 300, onFailure: (_, seconds) => failures.push(seconds) });
    server.delayMs = 3000;
    await expect(reranker.score(QUERY, PASSAGES)).rejects.toThrow(/timed out/);
    expect(reranker.loaded).toBe(false);
    expect(failures).toEqual([0.3]);
    server.delayMs = 0;
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(reranker.loaded).toBe(true);
    expect(await reranker.score(QUERY, PASSAGES)).toHaveLength(3);
  });

  it("fails on an error answer without quoting it, and ready() tells whether the service answers", async () => {
    reset();
    const reranker = remote({ retryAfterMs: 200 });
    server.failWith = 503;
    await expect(reranker.ready()).rejects.toThrow(/^the reranker answered HTTP 503$/);
    expect(reranker.loaded).toBe(false);
    server.failWith = 0;
    // While it is skipped, ready() answers with the failure without asking the service.
    await expect(reranker.ready()).rejects.toThrow(/HTTP 503/);
    expect(server.calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await reranker.ready();
    expect(reranker.loaded).toBe(true);
    expect(server.calls).toBe(2);
  });

  it("refuses an answer that is not JSON, or too large to read, without reading it all", async () => {
    reset();
    server.rawAnswer = "<html>gateway</html>";
    await expect(remote().score(QUERY, PASSAGES)).rejects.toThrow("the reranker's answer is not JSON");
    server.rawAnswer = JSON.stringify({ results: [], padding: "x".repeat(5 * 1024 * 1024) });
    await expect(remote().score(QUERY, PASSAGES)).rejects.toThrow(/over 4194304 bytes/);
  });

  it("sends no more calls at once than its concurrency, and answers every one", async () => {
    reset();
    server.delayMs = 30;
    const reranker = remote({ concurrency: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => reranker.score(QUERY, PASSAGES)));
    expect(answers.every((a) => a.length === 3)).toBe(true);
    expect(server.calls).toBe(8);
    expect(server.maxInFlight).toBe(2);
  });

  it("sheds a call at once while its limit of passages waits, and takes calls again once they are done", async () => {
    reset();
    server.delayMs = 200;
    const reranker = remote({ maxWaitingPairs: 4, concurrency: 1 });
    const first = reranker.score(QUERY, PASSAGES);
    expect(reranker.reserve(2)).toBeNull();
    await expect(reranker.score(QUERY, PASSAGES)).rejects.toBeInstanceOf(RerankerBusy);
    expect(await first).toHaveLength(3);
    const room = reranker.reserve(3);
    expect(room).not.toBeNull();
    room?.release();
    // A caller that goes away while its call waits leaves at once.
    const blocking = reranker.score(QUERY, [PASSAGES[0]!]);
    const gone = new AbortController();
    const waiting = reranker.score(QUERY, [PASSAGES[1]!], gone.signal);
    gone.abort(new Error("client gone"));
    await expect(waiting).rejects.toThrow("client gone");
    await blocking;
    expect(reranker.loaded).toBe(true);
  });
});

describe("a search reranked by a rerank API", () => {
  let services: ServiceHarness;
  const reader = { agentId: `reader-${randomUUID()}` };
  const events: string[] = [];

  beforeAll(async () => {
    services = await startServices({
      embedder: new WordHashEmbedder(),
      memory: { reranker: remote({ retryAfterMs: 60_000 }), onRerank: (e) => events.push(e.outcome) },
    });
    await services.memories(reader).batchWriteMemories({
      requests: PASSAGES.map((content, i) => ({
        memory: { subjectType: "person", subjectId: "dana", kind: "note", content, metadata: { answer: i === 1 } },
      })),
    });
  });
  afterAll(() => services.close());

  async function search(): Promise<{ first: string; rerank: string | null }> {
    let rerank: string | null = null;
    const contents: string[] = [];
    const stream = services
      .memories(reader)
      .searchMemories({ query: QUERY, topK: 3, rerank: true }, { onHeader: (h) => (rerank = h.get("engram-rerank")) });
    for await (const r of stream) contents.push(r.memory?.content ?? "");
    return { first: contents[0] ?? "", rerank };
  }

  it("reranks an evaluation's searches too, and says so per query and in total", async () => {
    reset();
    const configurations = [{ mode: SearchMode.HYBRID }, { mode: SearchMode.HYBRID, rerank: true }];
    const queries = [{ query: QUERY, expectedIds: [] as string[], expectedMetadata: [{ answer: true }] }];
    const results = [];
    for await (const m of services.search(reader).evaluateSearch({ k: 3, configurations, queries })) results.push(m);
    const perQuery = results.flatMap((m) => (m.result.case === "query" ? [m.result.value] : []));
    expect(perQuery.map((q) => q.reranked)).toEqual([false, true]);
    expect(perQuery[1]).toMatchObject({ firstRank: 1, reciprocalRank: 1, recall: 1 });
    const summary = results.at(-1)?.result;
    expect(summary?.case === "summary" && summary.value.configurations.map((c) => c.reranked)).toEqual([0, 1]);
    events.length = 0;
  });

  it("puts the answer first, as the packaged model does; once the service fails, keeps the fused order", async () => {
    reset();
    expect(await search()).toEqual({ first: PASSAGES[1], rerank: "applied" });
    server.failWith = 500;
    const failed = await search();
    expect(failed.rerank).toBe("unavailable");
    expect(events).toEqual(["applied", "failed"]);
    // Skipped at once while it is down: no call is sent.
    const calls = server.calls;
    expect((await search()).rerank).toBe("unavailable");
    expect(server.calls).toBe(calls);
  });
});
