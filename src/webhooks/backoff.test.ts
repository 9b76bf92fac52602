import { describe, expect, it } from "vitest";
import { DISABLE_AFTER, retryDelayMs } from "./backoff.js";

describe("the retry schedule", () => {
  it("waits 5 s, 30 s, 2 min, 10 min, 30 min, then hourly, up to a fifth more at random", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 29].map((n) => retryDelayMs(n, () => 0))).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(retryDelayMs(1, () => 0.999)).toBeLessThanOrEqual(6_000);
    expect(retryDelayMs(1, () => 0.5)).toBe(5_500);
  });

  it("gives up after about a day of failures", () => {
    const waited = Array.from({ length: DISABLE_AFTER - 1 }, (_, i) => retryDelayMs(i + 1, () => 0));
    const hours = waited.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(hours).toBeGreaterThan(20);
    expect(hours).toBeLessThan(30);
  });
});
