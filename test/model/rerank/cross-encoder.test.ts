/**
 * The real cross-encoder on its own, without a database: its scores do not depend on the order
 * of the passages, a long query is cut rather than the passage, a call is refused while too much
 * waits, its thread starts again after dying, and a model that cannot score pairs is refused.
 * Runs once (the model tier), not on each engine; searches that rerank are beside it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalReranker } from "../../../src/rerank/local-reranker.js";
import { RerankerBusy } from "../../../src/rerank/reranker.js";
import { LOCAL_RERANKER } from "../../support/rerankers.js";

const ANSWER = "Dana starts each day with a pot of green tea.";
const DISTRACTOR = "Morning standup notes: what to drink at the offsite, who brings drinks in the morning.";
const QUESTION = "What does Dana drink in the morning?";
const FILLER = Array.from({ length: 19 }, (_, i) => `Invoice ${i} was filed for region ${i % 7}.`);

/**
 * One model for every test here (a load costs seconds). Its limit is 80 tokens waiting: each
 * pair of the busy test's question and note is estimated at 20 (80 characters / 4); a call that
 * finds nothing waiting is always taken, so the other tests' larger calls are too.
 */
const reranker = new LocalReranker({ ...LOCAL_RERANKER, maxWaitingTokens: 80 });
let emptyDir = "";
beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), "engram-no-models-"));
});
afterAll(async () => {
  await reranker.close();
  await rm(emptyDir, { recursive: true, force: true });
});

describe("the cross-encoder's scores", () => {
  it("scores the same candidates the same in whatever order they come", async () => {
    // The int8 model's scores depend on the pairs run together: these differ in length, and
    // taken in the order given, a reversed list would put other pairs together.
    const longer = [1, 2, 3, 4].map((n) => `Dana's week ${n}: ${"tea at the office, then a walk. ".repeat(n * 3)}`);
    const passages = [ANSWER, DISTRACTOR, ...longer, ...FILLER];
    const forward = await reranker.score(QUESTION, passages);
    const backward = await reranker.score(QUESTION, [...passages].reverse());
    expect([...backward].reverse()).toEqual(forward);
  });

  it("judges each memory on its own text however long the query: the query is cut, not the memory", async () => {
    // Cut together, a pair of this query and any memory would keep the query alone.
    const query = `${QUESTION} ${"Answer from what you know of the team's habits and routines. ".repeat(50)}`;
    expect(query.length).toBeGreaterThan(3000);
    const [answer, distractor] = await reranker.score(query, [ANSWER, DISTRACTOR]);
    expect(answer).not.toBe(distractor);
    expect(answer).toBeGreaterThan(distractor ?? Infinity);
  });
});

describe("the cross-encoder's thread", () => {
  it("refuses a call at once while more work than its limit waits, and takes calls again as they are done", async () => {
    const query = "Which invoice was filed?";
    const note = (i: number) => `Invoice ${i} was filed.`.padEnd(80 - query.length, ".");
    const first = reranker.score(query, [note(1), note(2), note(3)]);
    await expect(reranker.score(query, [note(4), note(5)])).rejects.toBeInstanceOf(RerankerBusy);
    const fits = reranker.score(query, [note(6)]);
    expect(await first).toHaveLength(3);
    expect(await fits).toHaveLength(1);
    // With nothing waiting, even a call larger than the limit is taken.
    expect(await reranker.score(query, [1, 2, 3, 4, 5, 6].map(note))).toHaveLength(6);
  });

  it("starts its thread again when it died between searches", async () => {
    await reranker.ready();
    await (reranker as unknown as { host: { current: { terminate(): Promise<void> } } }).host.current.terminate();
    expect(reranker.loaded).toBe(false);
    await reranker.ready();
    expect(reranker.loaded).toBe(true);
    expect(await reranker.score(QUESTION, [ANSWER])).toHaveLength(1);
  });
});

describe("a cross-encoder that cannot load", () => {
  it("reports a model that fails to load once, and waits before trying it again", async () => {
    const retries: number[] = [];
    const missing = new LocalReranker({
      ...LOCAL_RERANKER,
      modelDir: emptyDir,
      onLoadFailure: (_, s) => retries.push(s),
    });
    try {
      const first = await missing.ready().catch((err: unknown) => err);
      const second = await missing.ready().catch((err: unknown) => err);
      expect(first).toBeInstanceOf(Error);
      expect(second).toBe(first);
      expect(retries).toEqual([5]);
    } finally {
      await missing.close();
    }
  });

  it("refuses to load a model that does not give one relevance score a pair", async () => {
    const embedder = new LocalReranker({ ...LOCAL_RERANKER, model: "Xenova/all-MiniLM-L6-v2" });
    try {
      await expect(embedder.ready()).rejects.toThrow("Xenova/all-MiniLM-L6-v2 is not a cross-encoder");
    } finally {
      await embedder.close();
    }
  });
});
