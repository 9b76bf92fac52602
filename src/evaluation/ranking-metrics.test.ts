import { describe, expect, it } from "vitest";
import { rankingFigures, totals, type SearchFigures } from "./ranking-metrics.js";

describe("rankingFigures", () => {
  it("scores the first expected item at rank 2 of 2 expected, the other missed", () => {
    const f = rankingFigures([[], [0], []], 2, 10);
    expect(f).toMatchObject({ expected: 2, found: 1, recall: 0.5, firstRank: 2, reciprocalRank: 0.5 });
    // DCG 1/log2(3); ideal 1 + 1/log2(3).
    expect(f.ndcg).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
  });

  it("gives 1 for a perfect ranking and 0 for none", () => {
    expect(rankingFigures([[1], [0], []], 2, 10)).toMatchObject({ recall: 1, reciprocalRank: 1, ndcg: 1 });
    expect(rankingFigures([[], []], 3, 10)).toMatchObject({
      found: 0,
      recall: 0,
      firstRank: 0,
      reciprocalRank: 0,
      ndcg: 0,
    });
  });

  it("counts an item once, at its first result: a key many memories share is found once", () => {
    expect(rankingFigures([[0], [0], [0]], 2, 10)).toMatchObject({ found: 1, recall: 0.5, firstRank: 1 });
  });

  it("reads only the first k results", () => {
    expect(rankingFigures([[], [], [0]], 1, 2)).toMatchObject({ found: 0, firstRank: 0, ndcg: 0 });
  });

  it("caps the ideal at k, so that more expected items than k can still score 1", () => {
    expect(rankingFigures([[0], [1]], 5, 2).ndcg).toBe(1);
    expect(rankingFigures([[0], [1]], 5, 2).recall).toBe(0.4);
  });
});

describe("totals", () => {
  const search = (over: Partial<SearchFigures>): SearchFigures => ({
    expected: 1,
    found: 0,
    recall: 0,
    firstRank: 0,
    reciprocalRank: 0,
    ndcg: 0,
    latencyMs: 1,
    reranked: false,
    ...over,
  });

  it("averages the searches' figures and takes nearest-rank latency percentiles", () => {
    const searches = [
      search({ recall: 1, firstRank: 1, reciprocalRank: 1, ndcg: 1, latencyMs: 10, reranked: true }),
      search({ recall: 0.5, firstRank: 4, reciprocalRank: 0.25, ndcg: 0.5, latencyMs: 30 }),
      search({ latencyMs: 20 }),
      search({ latencyMs: 40 }),
    ];
    expect(totals(searches)).toEqual({
      queries: 4,
      recallAtK: 0.375,
      hitRateAtK: 0.5,
      mrr: 0.3125,
      ndcgAtK: 0.375,
      latencyP50Ms: 20,
      latencyP95Ms: 40,
      latencyP99Ms: 40,
      reranked: 1,
    });
  });

  it("is all zeros for no searches", () => {
    expect(totals([])).toMatchObject({ queries: 0, recallAtK: 0, latencyP95Ms: 0 });
  });
});
