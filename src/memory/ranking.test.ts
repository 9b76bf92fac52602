/**
 * Hybrid search ranks by reciprocal rank fusion, not by raw scores: agreement between the
 * semantic and keyword retrievers must lift a memory above one only a single retriever found,
 * each retriever's own score must survive for the response, and equal scores need a stable order.
 */
import { describe, expect, it } from "vitest";
import { fuse, RRF_K } from "./ranking.js";

const c = (id: string, score: number) => ({ id, score });

describe("fuse", () => {
  it("uses the customary RRF constant of 60", () => {
    expect(RRF_K).toBe(60);
  });

  it("ranks nothing when neither retriever found anything", () => {
    expect(fuse([], [])).toEqual([]);
  });

  it("scores a single list by 1 / (60 + rank), keeping its order and scores", () => {
    expect(fuse([c("a", 0.9), c("b", 0.5)], [])).toEqual([
      { id: "a", score: 1 / 61, semanticScore: 0.9, keywordScore: 0 },
      { id: "b", score: 1 / 62, semanticScore: 0.5, keywordScore: 0 },
    ]);
    expect(fuse([], [c("k", 0.3)])).toEqual([{ id: "k", score: 1 / 61, semanticScore: 0, keywordScore: 0.3 }]);
  });

  it("adds both contributions for a memory both retrievers found, keeping each retriever's score", () => {
    const [both] = fuse([c("x", 0.8)], [c("x", 0.2)]);
    expect(both).toEqual({ id: "x", score: 2 / 61, semanticScore: 0.8, keywordScore: 0.2 });
  });

  it("puts a memory ranked second by both above the top memory of either alone", () => {
    const ranked = fuse([c("sem-only", 0.99), c("both", 0.7)], [c("kw-only", 5), c("both", 4)]);
    expect(ranked.map((r) => r.id)).toEqual(["both", "kw-only", "sem-only"]);
    expect(ranked[0]?.score).toBeCloseTo(2 / 62, 12);
  });

  it("ranks by fused rank, not by the retrievers' raw scores", () => {
    // The keyword list's raw score is far larger, yet first place in either list counts the same.
    const ranked = fuse([c("s1", 0.1), c("s2", 0.05)], [c("k1", 100), c("k2", 90), c("k3", 80)]);
    expect(ranked.map((r) => [r.id, r.score])).toEqual([
      ["k1", 1 / 61],
      ["s1", 1 / 61],
      ["k2", 1 / 62],
      ["s2", 1 / 62],
      ["k3", 1 / 63],
    ]);
  });

  it("breaks ties by id, whatever order the lists gave", () => {
    expect(fuse([c("b", 1), c("a", 1)], [c("a", 1), c("b", 1)]).map((r) => r.id)).toEqual(["a", "b"]);
    expect(fuse([c("b", 1)], [c("a", 1)]).map((r) => r.id)).toEqual(["a", "b"]);
  });

  it("lets a deep keyword hit and a deep semantic hit overtake a shallow single hit", () => {
    // 1/(60+30) * 2 = 0.0222 > 1/61 = 0.0164
    const filler = (prefix: string) => Array.from({ length: 29 }, (_, i) => c(`${prefix}${i}`, 0));
    const ranked = fuse([c("top", 1), ...filler("s").slice(1), c("deep", 0)], [...filler("k"), c("deep", 0)]);
    expect(ranked[0]?.id).toBe("deep");
    expect(ranked[0]?.score).toBeCloseTo(2 / 90, 12);
  });
});
