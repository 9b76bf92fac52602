/**
 * The keyword search's plan: IDF that rewards rare words, and a split of the question's words
 * into rare ones (every memory holding them is scored) and common ones (searched by tiers), so
 * that a question made of common words never scores a large share of the workspace.
 */
import { describe, expect, it } from "vitest";
import { CANDIDATE_BUDGET, DF_CAP, idf, planKeywordSearch } from "./bm25.js";

describe("idf", () => {
  it("is higher for rarer words and stays positive for a word in every memory", () => {
    expect(idf(1, 1000)).toBeGreaterThan(idf(10, 1000));
    expect(idf(10, 1000)).toBeGreaterThan(idf(900, 1000));
    expect(idf(1000, 1000)).toBeGreaterThan(0);
  });
});

describe("planKeywordSearch", () => {
  it("has nothing to score when no word is present", () => {
    const plan = planKeywordSearch([{ lexeme: "zzz", df: 0 }], 50);
    expect(plan.terms).toEqual([]);
    expect(plan.rare).toEqual([]);
    expect(plan.common).toEqual([]);
    expect(plan.idfTotal).toBeCloseTo(idf(0, 50), 12);
  });

  it("scores every memory of a small workspace: all words are rare", () => {
    const plan = planKeywordSearch(
      [
        { lexeme: "caroline", df: 120 },
        { lexeme: "potteri", df: 3 },
      ],
      250,
    );
    expect(plan.rare).toEqual(["potteri", "caroline"]);
    expect(plan.common).toEqual([]);
    expect(plan.terms).toEqual([
      { lexeme: "potteri", idf: idf(3, 250) },
      { lexeme: "caroline", idf: idf(120, 250) },
    ]);
  });

  it("counts absent words in the score's denominator, but searches only present ones", () => {
    const plan = planKeywordSearch(
      [
        { lexeme: "renew", df: 4 },
        { lexeme: "typo", df: 0 },
      ],
      100,
    );
    expect(plan.terms.map((t) => t.lexeme)).toEqual(["renew"]);
    expect(plan.idfTotal).toBeCloseTo(idf(4, 100) + idf(0, 100), 12);
  });

  it("takes the rarest words while their postings fit the budget, leaving the rest to tiers", () => {
    const plan = planKeywordSearch(
      [
        { lexeme: "pricing", df: CANDIDATE_BUDGET - 50 },
        { lexeme: "acme", df: 60 },
        { lexeme: "follow", df: DF_CAP },
        { lexeme: "churn", df: 30 },
      ],
      50_000,
    );
    expect(plan.rare).toEqual(["churn", "acme"]);
    expect(plan.common).toEqual(["pricing", "follow"]);
  });

  it("never scores a capped word's postings in full, even alone", () => {
    const plan = planKeywordSearch([{ lexeme: "note", df: DF_CAP }], 100_000);
    expect(plan.rare).toEqual([]);
    expect(plan.common).toEqual(["note"]);
  });

  it("takes the visible count from the largest document frequency when the sample was smaller", () => {
    const plan = planKeywordSearch([{ lexeme: "a", df: 40 }], 10);
    expect(plan.terms[0]?.idf).toBeCloseTo(idf(40, 40), 12);
  });
});
