import { describe, expect, it } from "vitest";
import { RecentWrites } from "./recent-writes.js";

describe("RecentWrites", () => {
  it("remembers a key's newest write for the window, then forgets it", () => {
    const recent = new RecentWrites(1_000);
    recent.note("a", 10n, 0);
    recent.note("a", 30n, 100);
    recent.note("a", 20n, 200);
    expect(recent.positionOf("a", 500)).toBe(30n);
    expect(recent.positionOf("b", 500)).toBeNull();
    expect(recent.positionOf("a", 1_201)).toBeNull();
  });

  it("drops keys whose window has passed as new ones come", () => {
    const recent = new RecentWrites(1_000);
    recent.note("old", 1n, 0);
    recent.note("new", 2n, 5_000);
    expect(recent.positionOf("old", 0)).toBeNull();
    expect(recent.positionOf("new", 5_000)).toBe(2n);
  });

  it("remembers nothing with a window of 0", () => {
    const recent = new RecentWrites(0);
    recent.note("a", 1n, 0);
    expect(recent.positionOf("a", 0)).toBeNull();
  });
});
