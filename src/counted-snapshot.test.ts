import { describe, expect, it } from "vitest";
import { CountedSnapshot } from "./counted-snapshot.js";

/** A count that says how often it ran, finishing only when told to. */
function countingSource() {
  const source = {
    runs: 0,
    value: 0,
    pending: [] as Array<() => void>,
    compute: async () => {
      source.runs += 1;
      await new Promise<void>((resolve) => source.pending.push(resolve));
      return source.value;
    },
    finish: () => source.pending.splice(0).forEach((resolve) => resolve()),
  };
  return source;
}

describe("CountedSnapshot", () => {
  it("runs one count for many concurrent first reads, which all wait for it", async () => {
    const source = countingSource();
    source.value = 7;
    const snapshot = new CountedSnapshot(
      source.compute,
      60_000,
      () => {},
      () => 0,
    );
    const reads = Array.from({ length: 8 }, () => snapshot.read());
    source.finish();
    expect(await Promise.all(reads)).toEqual(Array(8).fill(7));
    expect(source.runs).toBe(1);
  });

  it("serves the last count until it is maxAge old, then one read starts one new count and gets the old value", async () => {
    const source = countingSource();
    let now = 0;
    const snapshot = new CountedSnapshot(
      source.compute,
      1_000,
      () => {},
      () => now,
    );
    source.value = 1;
    const first = snapshot.read();
    source.finish();
    expect(await first).toBe(1);

    source.value = 2;
    now = 999;
    expect(await Promise.all([snapshot.read(), snapshot.read()])).toEqual([1, 1]);
    expect(source.runs).toBe(1);

    now = 1_000;
    expect(await Promise.all([snapshot.read(), snapshot.read(), snapshot.read()])).toEqual([1, 1, 1]);
    expect(source.runs).toBe(2);
    source.finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(await snapshot.read()).toBe(2);
    expect(source.runs).toBe(2);
  });

  it("keeps the last value when a count fails, reports it, and tries again only after maxAge", async () => {
    let now = 0;
    let fail = false;
    const errors: unknown[] = [];
    let runs = 0;
    const snapshot = new CountedSnapshot(
      async () => {
        runs += 1;
        if (fail) throw new Error("database unreachable");
        return 5;
      },
      1_000,
      (err) => errors.push(err),
      () => now,
    );
    expect(await snapshot.read()).toBe(5);
    fail = true;
    now = 1_000;
    expect(await snapshot.read()).toBe(5);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
    now = 1_500;
    expect(await snapshot.read()).toBe(5);
    expect(runs).toBe(2);
  });

  it("answers undefined when the first count fails", async () => {
    const snapshot = new CountedSnapshot(
      () => Promise.reject(new Error("no")),
      1_000,
      () => {},
      () => 0,
    );
    expect(await snapshot.read()).toBeUndefined();
  });
});
