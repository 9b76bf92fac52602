import fc from "fast-check";
import { toSql } from "pgvector";
import { describe, expect, it } from "vitest";
import { vectorLiteral } from "./vector-literal.js";

/** The elements as pgvector reads them: each number parsed, then rounded to a float32. */
function parsed(literal: string): number[] {
  return literal
    .slice(1, -1)
    .split(",")
    .map((x) => Math.fround(Number(x)));
}

describe("vectorLiteral", () => {
  it("names the float32 of every element exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -3e38, max: 3e38 }), { minLength: 1 }),
        (vector) => {
          // -0 is written 0, as JSON writes it: the same to every distance.
          expect(parsed(vectorLiteral(vector))).toEqual(vector.map((x) => Math.fround(x) + 0));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("writes an embedding's elements in fewer characters than a double's", () => {
    const embedding = Array.from(Float32Array.from({ length: 384 }, (_, i) => Math.sin(i) / 10));
    expect(parsed(vectorLiteral(embedding))).toEqual(embedding);
    expect(vectorLiteral(embedding).length).toBeLessThan(0.7 * (toSql(embedding) as string).length);
  });
});
