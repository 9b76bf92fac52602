import { describe, expect, it } from "vitest";
import { CANDIDATE_POOL, candidatePool } from "./search.js";

describe("candidatePool", () => {
  it("reads five times the depth, at least 50 and at most 300, by default", () => {
    for (let depth = 1; depth <= 100; depth++) {
      expect(candidatePool("hybrid", depth)).toBe(Math.min(Math.max(depth * 5, 50), 300));
    }
    expect(CANDIDATE_POOL).toBe(50);
  });

  it("scales a workspace's pool for 10 results with the depth, up to 300", () => {
    expect(candidatePool("hybrid", 10, 120)).toBe(120);
    expect(candidatePool("hybrid", 5, 120)).toBe(120);
    expect(candidatePool("hybrid", 40, 10)).toBe(40);
    expect(candidatePool("hybrid", 15, 25)).toBe(38);
    expect(candidatePool("hybrid", 100, 300)).toBe(300);
  });

  it("reads only the depth in the modes that fuse nothing", () => {
    expect(candidatePool("semantic", 10, 300)).toBe(10);
    expect(candidatePool("keyword", 7)).toBe(7);
  });
});
