import { describe, expect, it } from "vitest";
import { crossValidate } from "./cross-validation.js";

describe("crossValidate", () => {
  it("chooses on the other folds, scores on the held-out one, and keeps the best overall", () => {
    // Candidate 1 is better on every query; candidate 2 only on query 0.
    const figures = [
      [0.5, 0.5, 0.5, 0.5],
      [0.6, 0.7, 0.8, 0.9],
      [1, 0, 0, 0],
    ];
    const cv = crossValidate(figures, 2);
    expect(cv.folds.map((f) => [f.fold, f.queries, f.chosen])).toEqual([
      [0, 2, 1],
      [1, 2, 1],
    ]);
    expect(cv.folds[0]?.heldOut).toBeCloseTo(0.7);
    expect(cv.folds[0]?.currentHeldOut).toBeCloseTo(0.5);
    expect(cv.heldOut).toBeCloseTo(0.75);
    expect(cv.currentHeldOut).toBeCloseTo(0.5);
    expect(cv.means[2]).toBeCloseTo(0.25);
    expect(cv.chosen).toBe(1);
  });

  it("keeps the current settings when choosing does not beat them held out", () => {
    // Candidate 1 wins on the training folds by luck and loses where it is tested.
    const figures = [
      [0.5, 0.5, 0.5, 0.5],
      [1, 0, 1, 0],
    ];
    const cv = crossValidate(figures, 2);
    expect(cv.heldOut).toBeLessThanOrEqual(cv.currentHeldOut);
    expect(cv.chosen).toBe(0);
  });

  it("keeps the earlier candidate of equals, so a tie keeps the current settings", () => {
    const cv = crossValidate(
      [
        [0.4, 0.6],
        [0.4, 0.6],
      ],
      5,
    );
    expect(cv.folds).toHaveLength(2);
    expect(cv.folds.every((f) => f.chosen === 0)).toBe(true);
    expect(cv.chosen).toBe(0);
  });

  it("refuses figures it cannot compare", () => {
    expect(() => crossValidate([], 5)).toThrow();
    expect(() => crossValidate([[0.1, 0.2], [0.3]], 5)).toThrow();
  });
});
