/**
 * The offline replays of fusion (fusion-tuning.ts) and rerank (rerank-tuning.ts) reproduce what
 * the server answered, question by question, on lists recorded from it (replay-fixture.ts): the
 * tuning tables rest on them. No model or database runs here; `npm run bench:retrieval` checks
 * the same on every question it asks.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { candidatePool } from "../src/memory/search/search.js";
import { ENTITY_WEIGHT, SEMANTIC_WEIGHT } from "../src/memory/search/ranking.js";
import { firstHit as fusedFirstHit, replayRecalls } from "./fusion-tuning.js";
import { decodeFixture, type ReplayFixture } from "./replay-fixture.js";
import { firstHit as rerankedFirstHit, rerankRecalls, SHIPPED_RERANK } from "./rerank-tuning.js";

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/locomo-replay.json", import.meta.url), "utf8"),
) as ReplayFixture;
const questions = decodeFixture(fixture);
/** The shipped fusion, at the top_k (20) whose candidate pool the recorded lists hold in full. */
const SHIPPED_FUSION = {
  semanticWeight: SEMANTIC_WEIGHT,
  entityWeight: ENTITY_WEIGHT,
  pool: candidatePool("hybrid", 20),
};

/** Recall at each k of the first-hit ranks given. */
const recalls = (ranks: number[], ks: number[]) => ks.map((k) => ranks.filter((r) => r <= k).length / ranks.length);

describe("the recorded lists", () => {
  it("were recorded at the shipped settings (else record them again: see bench/replay-fixture.ts)", () => {
    expect(fixture.fusion).toEqual(SHIPPED_FUSION);
    expect(fixture.rerank).toEqual(SHIPPED_RERANK);
  });

  it("hold questions the server answered at different ranks, and some it did not answer", () => {
    expect(questions.length).toBeGreaterThanOrEqual(16);
    const ranks = new Set(questions.map((q) => q.server.hybridTop20));
    expect(ranks.size).toBeGreaterThanOrEqual(3);
    expect(ranks).toContain(Infinity);
  });
});

describe("fusion replayed from each retriever's list", () => {
  it.each(questions.map((q, i) => [i, q] as const))("puts question %i's first hit where HYBRID did", (_, q) => {
    expect(fusedFirstHit(q.lists, SHIPPED_FUSION)).toBe(q.server.hybridTop20);
  });

  it("gives the server's recall@5/@10/@20", () => {
    const server = recalls(
      questions.map((q) => q.server.hybridTop20),
      [5, 10, 20],
    );
    expect(
      replayRecalls(
        questions.map((q) => q.lists),
        SHIPPED_FUSION,
      ),
    ).toEqual(server);
  });
});

describe("rerank replayed from the reranker's scores", () => {
  it.each(questions.map((q, i) => [i, q] as const))("puts question %i's first hit where rerank did", (_, q) => {
    const replayed = rerankedFirstHit(q.rerankLists, SHIPPED_RERANK);
    // The server answered 10: a hit below them is none.
    expect(replayed <= 10 ? replayed : Infinity).toBe(q.server.rerankTop10);
  });

  it("gives the server's recall@5/@10", () => {
    const server = recalls(
      questions.map((q) => q.server.rerankTop10),
      [5, 10],
    );
    expect(
      rerankRecalls(
        questions.map((q) => q.rerankLists),
        SHIPPED_RERANK,
      ).slice(0, 2),
    ).toEqual(server);
  });
});
