import { describe, expect, it } from "vitest";
import { queryNameKeys } from "./query-name-keys.js";

describe("queryNameKeys", () => {
  it("is every run of up to four words, in lower case with single spaces, punctuation around words trimmed", () => {
    const keys = queryNameKeys("What did  Acme Corp. tell Sarah's team?");
    expect(keys).toEqual(
      expect.arrayContaining(["acme", "acme corp", "did acme corp tell", "sarah", "tell sarah", "team"]),
    );
    expect(keys).not.toContain("sarah's");
    expect(keys.every((k) => k === k.toLowerCase() && !/\s{2}/.test(k))).toBe(true);
  });

  it("keeps what is inside a word: addresses, hyphens, apostrophes", () => {
    const keys = queryNameKeys("Did sales@acme.com email O'Brien about acme-corp?");
    expect(keys).toEqual(expect.arrayContaining(["sales@acme.com", "o'brien", "acme-corp"]));
  });

  it("leaves out runs of stop words only, and runs longer than four words", () => {
    const keys = queryNameKeys("what about it? Bank of New England Holdings");
    expect(keys).not.toContain("what about");
    expect(keys).not.toContain("what");
    expect(keys).toContain("bank of new england");
    expect(keys).not.toContain("bank of new england holdings");
    expect(queryNameKeys("What about it?")).toEqual([]);
  });

  it("reads a bounded number of words whatever the query's length", () => {
    const long = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(" ");
    expect(queryNameKeys(long).length).toBeLessThanOrEqual(64 * 4);
  });
});
