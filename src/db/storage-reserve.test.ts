import { tmpdir } from "node:os";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error.js";
import { freeSpaceOf, StorageReserve, type FreeSpace } from "./storage-reserve.js";

const logger = pino({ level: "silent" });

/** A disk whose free space the test sets, counting how often it is measured. */
function disk(initial: number) {
  const state = { free: initial, measured: 0, failing: false };
  const freeSpace: FreeSpace = async () => {
    state.measured++;
    if (state.failing) throw new Error("statfs failed");
    return state.free;
  };
  return { state, freeSpace };
}

function refusalOf(reserve: StorageReserve): DomainError | undefined {
  try {
    reserve.requireSpace();
    return undefined;
  } catch (err) {
    return err as DomainError;
  }
}

describe("StorageReserve", () => {
  it("refuses writes only while free space is under the reserve", async () => {
    const { state, freeSpace } = disk(1000);
    const reserve = new StorageReserve({ reserveBytes: 100, freeSpace, logger });
    expect(reserve.full).toBe(false);
    await reserve.measure();
    expect([reserve.full, reserve.freeBytes, refusalOf(reserve)]).toEqual([false, 1000, undefined]);

    state.free = 99;
    await reserve.measure();
    const refusal = refusalOf(reserve);
    expect(refusal).toBeInstanceOf(DomainError);
    expect([refusal?.kind, refusal?.reason]).toEqual(["resource_exhausted", "STORAGE_FULL"]);

    state.free = 100;
    await reserve.measure();
    expect(refusalOf(reserve)).toBeUndefined();
  });

  it("with no reserve never refuses, even on a full disk", async () => {
    const reserve = new StorageReserve({ reserveBytes: 0, ...disk(0), logger });
    await reserve.measure();
    expect([reserve.full, reserve.freeBytes]).toEqual([false, 0]);
  });

  it("tells its listeners each time writes become possible again, and only then", async () => {
    const { state, freeSpace } = disk(10);
    const reserve = new StorageReserve({ reserveBytes: 100, freeSpace, logger });
    let resumed = 0;
    reserve.onResume(() => resumed++);
    await reserve.measure();
    state.free = 500;
    await reserve.measure();
    await reserve.measure();
    expect(resumed).toBe(1);
    state.free = 0;
    await reserve.measure();
    state.free = 500;
    await reserve.measure();
    expect(resumed).toBe(2);
  });

  it("keeps its last answer when the disk cannot be measured", async () => {
    const { state, freeSpace } = disk(10);
    const reserve = new StorageReserve({ reserveBytes: 100, freeSpace, logger });
    await reserve.measure();
    state.failing = true;
    await reserve.measure();
    expect([reserve.full, reserve.freeBytes]).toEqual([true, 10]);
  });

  it("measures once for concurrent callers, and again after a write", async () => {
    const { state, freeSpace } = disk(1000);
    const reserve = new StorageReserve({ reserveBytes: 100, freeSpace, logger, afterWriteMs: 0 });
    await Promise.all([reserve.measure(), reserve.measure(), reserve.measure()]);
    expect(state.measured).toBe(1);
    state.free = 50;
    reserve.noteWrite();
    await reserve.measure();
    expect(state.measured).toBe(2);
    expect(reserve.full).toBe(true);
  });

  it("reads a real file system's free space", async () => {
    expect(await freeSpaceOf(tmpdir())()).toBeGreaterThan(0);
  });
});
