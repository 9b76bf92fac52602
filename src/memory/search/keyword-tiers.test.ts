/**
 * The tiered full-text queries a keyword search tries: most demanding first, widening to any
 * word, with every lexeme quoted so that a hostile one is never read as tsquery syntax.
 */
import { describe, expect, it } from "vitest";
import { keywordTiers, lexemeQuery, MAX_CONJUNCTIONS } from "./keyword-tiers.js";

const words = (...lexemes: string[]) => lexemes.map(lexemeQuery);

describe("keywordTiers", () => {
  it("has nothing to search for a question without words", () => {
    expect(keywordTiers([])).toBeNull();
  });

  it("searches a single word once", () => {
    expect(keywordTiers(words("renew"))).toEqual({ any: "'renew'", tiers: ["'renew'"] });
  });

  it("tries all words, then any n-1, ..., then any one", () => {
    const queries = keywordTiers(words("churn", "price", "risk"));
    expect(queries?.any).toBe("'churn' | 'price' | 'risk'");
    expect(queries?.tiers).toEqual([
      "('churn' & 'price' & 'risk')",
      "('churn' & 'price') | ('churn' & 'risk') | ('price' & 'risk')",
      "'churn' | 'price' | 'risk'",
    ]);
  });

  it("skips tiers with too many alternatives, keeping the widest", () => {
    const tiers = keywordTiers(words(...Array.from({ length: 12 }, (_, i) => `w${i}`)))?.tiers ?? [];
    const alternatives = tiers.map((t) => t.split(" | ").length);
    // 12 words: all 12 (1), any 11 (12), any 2 (66 > 64 is skipped too), then any one.
    expect(alternatives).toEqual([1, 12, 12]);
    expect(alternatives.slice(0, -1).every((n) => n <= MAX_CONJUNCTIONS)).toBe(true);
  });

  it("quotes quotes and backslashes inside lexemes", () => {
    expect(lexemeQuery("o'neil")).toBe("'o''neil'");
    expect(lexemeQuery("a\\b")).toBe("'a\\\\b'");
  });
});
