import { describe, expect, it } from "vitest";
import type { Reranker } from "../src/rerank/reranker.js";
import { RememberedScores } from "./remembered-scores.js";

/**
 * Scores a passage by its share of the call's characters, so that, as with the int8 model, a
 * passage scores differently beside other passages; and keeps every call it was asked.
 */
function shareScorer(calls: string[][]): Reranker {
  return {
    id: "share",
    loaded: true,
    ready: () => Promise.resolve(),
    reserve: () => ({ release: () => undefined }),
    score: (_query, passages) => {
      calls.push(passages);
      const total = passages.reduce((n, p) => n + p.length, 0);
      return Promise.resolve(passages.map((p) => p.length / total));
    },
    close: () => Promise.resolve(),
  };
}

describe("RememberedScores", () => {
  it("answers a list with a server call's scores when it asks for the same passages, in any order", async () => {
    const calls: string[][] = [];
    const scores = new RememberedScores(shareScorer(calls));
    expect(await scores.reranker.score("q", ["aaa", "b"])).toEqual([0.75, 0.25]);
    expect(await scores.score("q", ["b", "aaa"])).toEqual([0.25, 0.75]);
    expect(calls).toEqual([["aaa", "b"]]);
    expect(scores.pairs).toBe(2);
  });

  it("scores any other set anew, as a search reranking that set would", async () => {
    const calls: string[][] = [];
    const scores = new RememberedScores(shareScorer(calls));
    await scores.reranker.score("q", ["aaa", "b"]);
    expect(await scores.score("q", ["aaa"])).toEqual([1]);
    expect(await scores.score("q", ["aaa", "b", "cccc"])).toEqual([0.375, 0.125, 0.5]);
    expect(calls).toEqual([["aaa", "b"], ["aaa"], ["aaa", "b", "cccc"]]);
  });

  it("keeps each question's calls apart", async () => {
    const calls: string[][] = [];
    const scores = new RememberedScores(shareScorer(calls));
    await scores.reranker.score("q1", ["aa"]);
    await scores.score("q2", ["aa"]);
    expect(calls).toEqual([["aa"], ["aa"]]);
  });
});
