import { describe, expect, it } from "vitest";
import { contentFacts, forgetContentFacts } from "./content-mentions.js";

describe("contentFacts", () => {
  it("keeps what a content said until an erasure forgets every content's facts", () => {
    const content = "Maria Lopez met John Smith in Paris";
    const first = contentFacts(content);
    expect(contentFacts(content)).toBe(first);
    forgetContentFacts();
    const again = contentFacts(content);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
