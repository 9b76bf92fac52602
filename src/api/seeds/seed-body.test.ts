import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DomainError } from "../../errors/domain-error.js";
import { deriveTitle, parseSeedBody } from "./seed-body.js";

describe("deriveTitle", () => {
  it("keeps a short first line as it is, white space collapsed", () => {
    expect(deriveTitle("  Renewal   due\tin May.\nMore detail.", 100)).toBe("Renewal due in May.");
  });

  it("cuts a long line at a word boundary, with an ellipsis, within the limit", () => {
    const title = deriveTitle("word ".repeat(60), 100);
    expect([...title].length).toBeLessThanOrEqual(100);
    expect(title).toMatch(/^(word )*word…$/);
  });
});

describe("parseSeedBody", () => {
  const schema = z.strictObject({ content: z.string().min(1), extra: z.unknown().optional() });

  it("names every field at fault in one INVALID_ARGUMENT", () => {
    const err = (() => {
      try {
        parseSeedBody(schema, { content: "", colour: "red" });
      } catch (e) {
        return e;
      }
    })() as DomainError;
    expect(err.kind).toBe("invalid_argument");
    expect(err.fieldViolations.map((v) => v.field).sort()).toEqual(["body", "content"]);
  });

  it("refuses a body nested deeper than 32 levels before looking at it, without recursing", () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { n: deep };
    expect(() => parseSeedBody(schema, { content: "x", extra: deep })).toThrow(/nested more than 32 levels/);
    expect(parseSeedBody(schema, { content: "x", extra: { a: { b: 1 } } }).content).toBe("x");
  });
});
