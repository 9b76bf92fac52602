import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FOLD_BATCH } from "./fold-rows.js";
import { TallyFolder } from "./tally-folder.js";

const logger = pino({ level: "silent" });
afterEach(() => {
  vi.useRealTimers();
});

describe("TallyFolder", () => {
  it("folds once a burst of writes pauses, not once per write", async () => {
    vi.useFakeTimers();
    const fold = vi.fn(() => Promise.resolve(3));
    const folder = new TallyFolder(fold, logger, { delayMs: 500, intervalMs: 60_000 });
    for (let i = 0; i < 10; i++) folder.noteWrites();
    await vi.advanceTimersByTimeAsync(499);
    expect(fold).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fold).toHaveBeenCalledTimes(1);
    await folder.stop();
  });

  it("folds again at once after a full batch, until one is not", async () => {
    const pending = [FOLD_BATCH, FOLD_BATCH, 7];
    const fold = vi.fn(() => Promise.resolve(pending.shift() ?? 0));
    const folder = new TallyFolder(fold, logger);
    await folder.foldAll();
    expect(fold).toHaveBeenCalledTimes(3);
    await folder.stop();
  });

  it("folds on its interval whoever wrote, and keeps going after a failed fold", async () => {
    vi.useFakeTimers();
    const fold = vi.fn().mockRejectedValueOnce(new Error("connection lost")).mockResolvedValue(0);
    const folder = new TallyFolder(fold, logger, { delayMs: 500, intervalMs: 1_000 });
    folder.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fold).toHaveBeenCalledTimes(3);
    await folder.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fold).toHaveBeenCalledTimes(3);
  });
});
