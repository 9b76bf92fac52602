import { describe, expect, it } from "vitest";
import { PrimaryPositions } from "./replica-lag.js";

describe("PrimaryPositions", () => {
  it("measures a replica's lag from the oldest sample it has not replayed", () => {
    const positions = new PrimaryPositions(10_000);
    positions.record(100n, 1_000);
    positions.record(200n, 1_250);
    positions.record(300n, 1_500);
    expect(positions.lagOf(300n, 1_600)).toBe(0);
    expect(positions.lagOf(250n, 1_600)).toBe(100);
    expect(positions.lagOf(150n, 1_600)).toBe(350);
    expect(positions.lagOf(50n, 1_600)).toBe(600);
  });

  it("keeps the first sample of a position: a quiet primary does not make an idle replica late", () => {
    const positions = new PrimaryPositions(10_000);
    positions.record(100n, 1_000);
    positions.record(100n, 5_000);
    expect(positions.lagOf(100n, 9_000)).toBe(0);
    expect(positions.lagOf(99n, 9_000)).toBe(8_000);
  });

  it("forgets samples past its horizon, but never the newest", () => {
    const positions = new PrimaryPositions(1_000);
    positions.record(100n, 0);
    positions.record(200n, 5_000);
    expect(positions.latest).toBe(200n);
    expect(positions.lagOf(150n, 5_500)).toBe(1_000);
    expect(positions.lagOf(200n, 5_500)).toBe(0);
  });
});
