import { describe, expect, it } from "vitest";
import type { Reranker } from "../src/rerank/reranker.js";
import { RememberedScores } from "./remembered-scores.js";

/** Scores a passage by its length, and keeps every call it was asked. */
function lengthScorer(calls: string[][]): Reranker {
  return {
    id: "length",
    loaded: true,
    ready: () => Promise.resolve(),
    reserve: () => ({ release: () => undefined }),
    score: (_query, passages) => {
      calls.push(passages);
      return Promise.resolve(passages.map((p) => p.length / 100));
    },
    close: () => Promise.resolve(),
  };
}

describe("RememberedScores", () => {
  it("answers the lists from the server's calls, and scores only the passages none scored", async () => {
    const calls: string[][] = [];
    const scores = new RememberedScores(lengthScorer(calls));
    expect(await scores.reranker.score("q", ["aa", "b"])).toEqual([0.02, 0.01]);
    expect(await scores.score("q", ["b", "aa", "cccc", "cccc"])).toEqual([0.01, 0.02, 0.04, 0.04]);
    expect(calls).toEqual([["aa", "b"], ["cccc"]]);
    expect(scores.pairs).toBe(3);
  });

  it("keeps each query's scores apart", async () => {
    const calls: string[][] = [];
    const scores = new RememberedScores(lengthScorer(calls));
    await scores.reranker.score("q1", ["aa"]);
    await scores.score("q2", ["aa"]);
    expect(calls).toEqual([["aa"], ["aa"]]);
  });
});
