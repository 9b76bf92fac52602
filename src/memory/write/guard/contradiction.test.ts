import { describe, expect, it } from "vitest";
import { CONTRADICTION_SIMILARITY, contradictionOf } from "./contradiction.js";

const close = CONTRADICTION_SIMILARITY;

describe("contradictionOf", () => {
  it("marks close wording with different numbers", () => {
    expect(contradictionOf("Tom is 35 years old.", "Tom is 34 years old.", close)).toBe(
      "close wording with different numbers (34 before, 35 now)",
    );
  });

  it("marks a word negated in one and stated in the other, whichever came first", () => {
    expect(contradictionOf("He drinks coffee and never tea.", "He prefers tea to coffee.", close)).toBe(
      'close wording, "tea" negated now',
    );
    expect(contradictionOf("Ana is vegetarian.", "Ana isn't vegetarian.", close)).toBe(
      'close wording, "vegetarian" negated before',
    );
  });

  it("leaves alone negations of words the other does not state, and the same numbers", () => {
    expect(
      contradictionOf("Gina encourages Jon not to give up.", "Gina encourages Jon to keep pushing.", close),
    ).toBeNull();
    expect(contradictionOf("Tom is 34.", "Tom is 34 years old.", close)).toBeNull();
    expect(contradictionOf("Tom is 34.", "Tom lives in Oslo.", close)).toBeNull();
  });

  it("needs close wording", () => {
    expect(contradictionOf("Tom is 35 years old.", "Tom is 34 years old.", close - 0.01)).toBeNull();
  });
});
