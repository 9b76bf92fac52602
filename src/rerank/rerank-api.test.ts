import { describe, expect, it } from "vitest";
import { rerankBody, rerankScores } from "./rerank-api.js";

describe("rerankScores", () => {
  it("reads either answer's shape back into the order the passages were sent", () => {
    const cohere = {
      results: [
        { index: 1, relevance_score: 0.9 },
        { index: 0, relevance_score: 0.2 },
      ],
    };
    expect(rerankScores(cohere, 2)).toEqual([0.2, 0.9]);
    expect(
      rerankScores(
        [
          { index: 1, score: 0.7 },
          { index: 0, score: 0.1, text: null },
        ],
        2,
      ),
    ).toEqual([0.1, 0.7]);
  });

  it("clamps a score a little outside 0..1", () => {
    expect(
      rerankScores(
        [
          { index: 0, score: 1.0000001 },
          { index: 1, score: -0.01 },
        ],
        2,
      ),
    ).toEqual([1, 0]);
  });

  it("refuses an answer that does not score every passage once with a number", () => {
    const bad: [unknown, RegExp][] = [
      [{ error: "overloaded" }, /no results/],
      [null, /no results/],
      [[{ index: 0, score: 0.5 }], /no score for passage 1/],
      [
        [
          { index: 0, score: 0.5 },
          { index: 0, score: 0.4 },
        ],
        /index 0/,
      ],
      [
        [
          { index: 0, score: 0.5 },
          { index: 2, score: 0.4 },
        ],
        /index 2/,
      ],
      [
        [
          { index: 0.5, score: 0.5 },
          { index: 1, score: 0.4 },
        ],
        /index 0.5/,
      ],
      [
        [
          { index: 0, score: "high" },
          { index: 1, score: 0.4 },
        ],
        /numeric index and score/,
      ],
      [
        [
          { index: 0, score: Number.NaN },
          { index: 1, score: 0.4 },
        ],
        /numeric index and score/,
      ],
    ];
    for (const [answer, message] of bad) expect(() => rerankScores(answer, 2), JSON.stringify(answer)).toThrow(message);
  });
});

describe("rerankBody", () => {
  it("asks for every passage's score, naming the model only where one is given", () => {
    expect(rerankBody("cohere", "q", ["a", "b"], undefined)).toEqual({ query: "q", documents: ["a", "b"], top_n: 2 });
    expect(rerankBody("cohere", "q", ["a"], "m")).toEqual({ model: "m", query: "q", documents: ["a"], top_n: 1 });
    expect(rerankBody("tei", "q", ["a"], "m")).toEqual({
      query: "q",
      texts: ["a"],
      truncate: true,
      raw_scores: false,
      return_text: false,
    });
  });
});
