import { describe, expect, it } from "vitest";
import { blend, passageOf, rerankDepth, RERANK_CANDIDATES, RERANK_PASSAGE_MAX_CHARS } from "./rerank.js";

describe("blend", () => {
  const candidates = [
    { id: "a", score: 0.9 },
    { id: "b", score: 0.5 },
    { id: "c", score: 0.4 },
  ];

  it("orders by weight x rerank score + (1 - weight) x fused score, and keeps each rerank score", () => {
    const reranked = blend(candidates, [0.1, 0.9, 0.5], 0.8);
    expect(reranked.map((r) => r.id)).toEqual(["b", "c", "a"]);
    expect(reranked.map((r) => r.rerankScore)).toEqual([0.9, 0.5, 0.1]);
    expect(reranked[0]?.score).toBeCloseTo(0.8 * 0.9 + 0.2 * 0.5, 10);
  });

  it("returns exactly the candidates it was given, ties broken by id", () => {
    const reranked = blend(
      [
        { id: "z", score: 0.5 },
        { id: "y", score: 0.5 },
      ],
      [0.3, 0.3],
    );
    expect(reranked.map((r) => r.id)).toEqual(["y", "z"]);
    expect(blend([], [])).toEqual([]);
  });
});

describe("rerankDepth", () => {
  it("reads RERANK_CANDIDATES results, or top_k when it asks for more", () => {
    expect(rerankDepth(10)).toBe(RERANK_CANDIDATES);
    expect(rerankDepth(100)).toBe(100);
  });
});

describe("passageOf", () => {
  it("puts a title before the content, and nothing when there is none", () => {
    expect(passageOf({ title: "", content: "Dana drinks tea." })).toBe("Dana drinks tea.");
    expect(passageOf({ title: "Habits", content: "Dana drinks tea." })).toBe("Habits\nDana drinks tea.");
  });

  it("keeps a long memory's beginning only, never half of a character", () => {
    const long = "Dana drinks tea. ".repeat(3000);
    expect(passageOf({ title: "", content: long })).toBe(long.slice(0, RERANK_PASSAGE_MAX_CHARS));
    // An emoji is two UTF-16 code units: one that would be cut in two is left out whole.
    const emoji = `${"a".repeat(RERANK_PASSAGE_MAX_CHARS - 1)}\u{1F375} and more`;
    expect(passageOf({ title: "", content: emoji })).toBe("a".repeat(RERANK_PASSAGE_MAX_CHARS - 1));
  });
});
