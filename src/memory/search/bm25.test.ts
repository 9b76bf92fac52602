/**
 * The keyword search's plan: IDF that rewards rare words, and a split of the question's words
 * into rare ones (every memory holding them is scored) and common ones (searched by tiers), so
 * that a question made of common words never scores a large share of the workspace.
 */
import { describe, expect, it } from "vitest";
import { CANDIDATE_BUDGET, DF_CAP, idf, planKeywordSearch } from "./bm25.js";

describe("idf", () => {
  it("is higher for rarer words and stays positive for a word in every memory", () => {
    expect(idf(1)).toBeGreaterThan(idf(10));
    expect(idf(10)).toBeGreaterThan(idf(DF_CAP - 1));
    expect(idf(DF_CAP)).toBeCloseTo(Math.log(2), 12);
  });

  it("weighs every word held by DF_CAP memories or more alike", () => {
    expect(idf(DF_CAP * 50)).toBe(idf(DF_CAP));
  });
});

describe("planKeywordSearch", () => {
  it("has nothing to score when no word is present", () => {
    const plan = planKeywordSearch([{ lexeme: "zzz", df: 0 }]);
    expect(plan.terms).toEqual([]);
    expect(plan.rare).toEqual([]);
    expect(plan.common).toEqual([]);
    expect(plan.idfTotal).toBeCloseTo(idf(0), 12);
  });

  it("scores every memory holding a word of a small workspace's question", () => {
    const plan = planKeywordSearch([
      { lexeme: "caroline", df: 90 },
      { lexeme: "potteri", df: 3 },
    ]);
    expect(plan.rare).toEqual(["potteri", "caroline"]);
    expect(plan.common).toEqual([]);
    expect(plan.terms).toEqual([
      { lexeme: "potteri", idf: idf(3) },
      { lexeme: "caroline", idf: idf(90) },
    ]);
  });

  it("counts absent words in the score's denominator, but searches only present ones", () => {
    const plan = planKeywordSearch([
      { lexeme: "renew", df: 4 },
      { lexeme: "typo", df: 0 },
    ]);
    expect(plan.terms.map((t) => t.lexeme)).toEqual(["renew"]);
    expect(plan.idfTotal).toBeCloseTo(idf(4) + idf(0), 12);
  });

  it("takes the rarest words while their postings fit the budget, leaving the rest to tiers", () => {
    const words = Array.from({ length: 8 }, (_, i) => ({ lexeme: `w${i}`, df: 90 - i }));
    const plan = planKeywordSearch([...words, { lexeme: "follow", df: DF_CAP }]);
    const fit = Math.floor(CANDIDATE_BUDGET / 90);
    expect(plan.rare).toEqual(
      words
        .slice()
        .reverse()
        .slice(0, fit)
        .map((w) => w.lexeme),
    );
    expect(plan.common).toEqual([
      ...words
        .slice()
        .reverse()
        .slice(fit)
        .map((w) => w.lexeme),
      "follow",
    ]);
  });

  it("never scores a common word's postings in full, even alone", () => {
    const plan = planKeywordSearch([{ lexeme: "note", df: DF_CAP }]);
    expect(plan.rare).toEqual([]);
    expect(plan.common).toEqual(["note"]);
  });
});
