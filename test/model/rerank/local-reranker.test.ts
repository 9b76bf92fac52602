/**
 * A search that goes away (its client cancelled or disconnected) takes its rerank work with it:
 * a call still waiting for the model leaves the queue without running, and one already running
 * stops. Its thread runs niced. Runs the real cross-encoder from ENGRAM_MODEL_DIR (.models).
 */
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { getPriority, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalReranker, RERANKER_THREAD_NICE } from "../../../src/rerank/local-reranker.js";
import { RerankerBusy } from "../../../src/rerank/reranker.js";
import { LOCAL_RERANKER } from "../../support/rerankers.js";
import { threadsByNice } from "../../support/threads.js";

const MODEL = LOCAL_RERANKER;
// Each call below is estimated at 2,000 tokens: two fit, a third waiting would not.
const reranker = new LocalReranker({ ...MODEL, maxWaitingTokens: 4_000 });
afterAll(() => reranker.close());

const query = "Which invoice was filed?";
/** Passages estimated at 200 tokens each with the query (800 characters). */
const passages = (n: number) =>
  Array.from({ length: n }, (_, i) => `Invoice ${i} was filed. `.repeat(40).slice(0, 800 - query.length));

describe("LocalReranker cancellation", () => {
  it("drops an aborted caller's waiting call before it runs: it fails at once, and its room is free", async () => {
    await reranker.ready();
    const settled: string[] = [];
    const running = reranker.score(query, passages(10)).then(() => settled.push("running"));
    const gone = new AbortController();
    const waiting = reranker.score(query, passages(10), gone.signal).catch((err: unknown) => {
      settled.push("aborted");
      throw err;
    });
    // Two calls wait: a third is refused.
    await expect(reranker.score(query, passages(10))).rejects.toBeInstanceOf(RerankerBusy);
    gone.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    // Its tokens left with it: the call the limit refused a moment ago is taken now.
    const taken = reranker.score(query, passages(10));
    await running;
    expect(settled).toEqual(["aborted", "running"]);
    expect(await taken).toHaveLength(10);
  });

  it("stops a running call whose caller went away, and answers the next", async () => {
    const gone = new AbortController();
    const running = reranker.score(query, passages(10), gone.signal);
    gone.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    expect(await reranker.score(query, passages(3))).toHaveLength(3);
  });

  it("refuses a call whose caller is already gone", async () => {
    await expect(reranker.score(query, passages(1), AbortSignal.abort())).rejects.toMatchObject({
      name: "AbortError",
    });
  });
});

describe("LocalReranker's thread", () => {
  it("runs niced (RERANKER_THREAD_NICE) with the pool threads it starts, while the rest of the process does not", async () => {
    const local = new LocalReranker(MODEL);
    // Never above the priority the process runs at (a test run under nice keeps its own).
    const own = getPriority();
    const niced = Math.max(own, RERANKER_THREAD_NICE);
    const before = threadsByNice().get(niced) ?? 0;
    try {
      await local.ready();
      // The model's thread and at least one pool thread of its session.
      expect((threadsByNice().get(niced) ?? 0) - before).toBeGreaterThanOrEqual(2);
      expect(getPriority()).toBe(own);
    } finally {
      await local.close();
    }
  });
});

describe("LocalReranker reservations", () => {
  it("counts the room searches reserved before ranking as waiting, until they release it", () => {
    const fresh = new LocalReranker({ ...MODEL, maxWaitingTokens: 4_000 });
    // Before any call a pair is expected to take the most a pair may: 10 pairs, 2,560 tokens.
    const first = fresh.reserve(10);
    expect(first).not.toBeNull();
    expect(fresh.reserve(10)).toBeNull();
    first?.release();
    first?.release();
    const again = fresh.reserve(10);
    expect(again).not.toBeNull();
    // Released twice, counted once: the room is held again.
    expect(fresh.reserve(10)).toBeNull();
    again?.release();
  });
});

describe("LocalReranker without its model's files", () => {
  it("fails to load with the model, the directory it looked in and the command that fetches it", async () => {
    // A models directory holding the embedder only, as `npm test`'s pretest fetches.
    const modelDir = await mkdtemp(join(tmpdir(), "engram-embedder-only-"));
    await symlink(resolve(MODEL.modelDir, "Xenova"), join(modelDir, "Xenova"));
    const missing = new LocalReranker({ ...MODEL, modelDir });
    try {
      const err = await missing.ready().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const { message } = err as Error;
      expect(message).toContain(`model ${MODEL.model} is missing from ${modelDir}`);
      expect(message).toContain(`npm run fetch-model -- --model ${MODEL.model} ${modelDir}`);
      expect(missing.loaded).toBe(false);
    } finally {
      await missing.close();
      await rm(modelDir, { recursive: true, force: true });
    }
  });
});
