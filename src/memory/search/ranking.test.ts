/**
 * Hybrid search ranks by a weighted sum of two scores on the same 0..1 scale: agreement between
 * the semantic and keyword retrievers must lift a memory above one a single retriever found
 * about as well, each retriever's own score must survive for the response, the fused score
 * must stay within 0..1, and equal scores need a stable order.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ENTITY_WEIGHT,
  fuse,
  GRAPH_WEIGHTS,
  mayBeRaised,
  SEMANTIC_WEIGHT,
  withEntityBonus,
  withGraphBonus,
} from "./ranking.js";

const c = (id: string, score: number) => ({ id, score });
const w = SEMANTIC_WEIGHT;

describe("fuse", () => {
  it("weighs meaning above words, but not alone", () => {
    expect(SEMANTIC_WEIGHT).toBeGreaterThan(0.5);
    expect(SEMANTIC_WEIGHT).toBeLessThan(1);
  });

  it("ranks nothing when neither retriever found anything", () => {
    expect(fuse([], [])).toEqual([]);
  });

  it("scores a memory one retriever found by that retriever's weighted score, the other part 0", () => {
    expect(fuse([c("a", 0.9), c("b", 0.5)], [])).toEqual([
      { id: "a", score: w * 0.9, semanticScore: 0.9, keywordScore: 0 },
      { id: "b", score: w * 0.5, semanticScore: 0.5, keywordScore: 0 },
    ]);
    expect(fuse([], [c("k", 0.3)])).toEqual([{ id: "k", score: (1 - w) * 0.3, semanticScore: 0, keywordScore: 0.3 }]);
  });

  it("adds both weighted parts for a memory both retrievers found", () => {
    const [both] = fuse([c("x", 0.8)], [c("x", 0.2)]);
    expect(both?.semanticScore).toBe(0.8);
    expect(both?.keywordScore).toBe(0.2);
    expect(both?.score).toBeCloseTo(w * 0.8 + (1 - w) * 0.2, 12);
  });

  it("scores 1 only for a memory both retrievers score 1, and stays within 0..1", () => {
    expect(fuse([c("x", 1)], [c("x", 1)])[0]?.score).toBeCloseTo(1, 12);
    for (const r of fuse([c("a", 1), c("b", 0.4)], [c("b", 1), c("c", 0)])) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  });

  it("lets agreement beat a slightly better single score", () => {
    const ranked = fuse([c("sem-only", 0.6), c("both", 0.55)], [c("both", 0.5)]);
    expect(ranked.map((r) => r.id)).toEqual(["both", "sem-only"]);
  });

  it("ranks by score, not by the order the lists gave", () => {
    const ranked = fuse([c("s1", 0.2), c("s2", 0.9)], [c("k1", 0.1), c("k2", 0.95)]);
    expect(ranked.map((r) => r.id)).toEqual(["s2", "k2", "s1", "k1"]);
  });

  it("takes another semantic weight when given one", () => {
    expect(fuse([c("s", 1)], [c("k", 1)], 0.2).map((r) => r.id)).toEqual(["k", "s"]);
  });

  it("breaks ties by id, whatever order the lists gave", () => {
    expect(fuse([c("b", 0.5), c("a", 0.5)], []).map((r) => r.id)).toEqual(["a", "b"]);
    expect(fuse([], [c("b", 0.5), c("a", 0.5)]).map((r) => r.id)).toEqual(["a", "b"]);
  });
});

describe("withEntityBonus", () => {
  it("raises a memory the query names by ENTITY_WEIGHT, and only such a memory, staying within 1", () => {
    const fused = fuse([c("other", 0.5), c("acme", 0.5), c("top", 1)], [c("top", 1)]);
    expect(withEntityBonus(fused, new Set(["acme", "top"])).map((r) => [r.id, r.score])).toEqual([
      ["top", 1],
      ["acme", w * 0.5 + ENTITY_WEIGHT],
      ["other", w * 0.5],
    ]);
  });
});

describe("withGraphBonus", () => {
  it("raises a memory by its link's weight, a named entity's above a neighbour's, staying within 1", () => {
    const fused = fuse([c("none", 0.5), c("neighbour", 0.5), c("named", 0.5), c("top", 1)], []);
    const links: Record<string, number> = { top: 1, named: 1, neighbour: 2 };
    expect(withGraphBonus(fused, (id) => links[id] ?? 0).map((r) => [r.id, r.score])).toEqual([
      ["top", w + GRAPH_WEIGHTS.named],
      ["named", w * 0.5 + GRAPH_WEIGHTS.named],
      ["neighbour", w * 0.5 + GRAPH_WEIGHTS.neighbour],
      ["none", w * 0.5],
    ]);
    expect(GRAPH_WEIGHTS.named).toBeGreaterThan(GRAPH_WEIGHTS.neighbour);
    const full = fuse([c("a", 1)], [c("a", 1)]);
    expect(withGraphBonus(full, () => 1).map((r) => r.score)).toEqual([1]);
  });
});

describe("mayBeRaised", () => {
  const fused = fuse([c("a", 0.9), c("b", 0.5), c("c", 0.49), c("d", 0.4), c("e", 0.1)], []);

  it("is every result within ENTITY_WEIGHT of the depth-th score, and none further down", () => {
    // Third score w x 0.49; d (w x 0.4) is more than ENTITY_WEIGHT below it, b and c are not.
    expect(mayBeRaised(fused, 3).map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(mayBeRaised(fused, 3, 0.06).map((r) => r.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("is every result when there are no more than the depth, and none without a bonus", () => {
    expect(mayBeRaised(fused, 10)).toHaveLength(5);
    expect(mayBeRaised([], 10)).toEqual([]);
    expect(mayBeRaised(fused, 3, 0)).toEqual([]);
  });

  it("names enough: the first `depth` come out as if every result's names were read", () => {
    // Scores on a coarse grid, so near ties and ties within ENTITY_WEIGHT are common.
    const list = fc.array(
      fc.record({ id: fc.constantFrom(..."abcdefghijklmnop"), score: fc.integer({ min: 0, max: 50 }) }),
      {
        maxLength: 16,
      },
    );
    fc.assert(
      fc.property(
        list,
        list,
        fc.subarray([..."abcdefghijklmnop"]),
        fc.integer({ min: 1, max: 12 }),
        (s, k, named, depth) => {
          const ranked = fuse(
            s.map((e) => c(e.id, e.score / 50)),
            k.map((e) => c(e.id, e.score / 50)),
          );
          const read = new Set(mayBeRaised(ranked, depth).map((r) => r.id));
          const lazily = withEntityBonus(ranked, new Set(named.filter((id) => read.has(id))));
          expect(lazily.slice(0, depth)).toEqual(withEntityBonus(ranked, new Set(named)).slice(0, depth));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
