import { statfs } from "node:fs/promises";
import type { Logger } from "pino";
import { DomainError } from "../errors/domain-error.js";
import { loggableError } from "../logger.js";

/** Bytes an unprivileged writer may still use on a file system (what df calls available). */
export type FreeSpace = () => Promise<number>;

export function freeSpaceOf(dir: string): FreeSpace {
  return async () => {
    const stats = await statfs(dir);
    return stats.bavail * stats.bsize;
  };
}

export interface StorageReserveOptions {
  /** Writes are refused while fewer bytes than this are free; 0 never refuses. */
  reserveBytes: number;
  freeSpace: FreeSpace;
  logger: Logger;
  /** How often free space is measured in the background. */
  intervalMs?: number;
  /** The least time between two measurements prompted by writes. */
  afterWriteMs?: number;
}

const INTERVAL_MS = 1_000;
const AFTER_WRITE_MS = 100;
const MIB = 1024 * 1024;

/**
 * Keeps writes away from a full disk. PGlite 0.5.14 does not fail a write that finds no room
 * for its WAL: it retries the flush forever, at full CPU, deaf to SIGTERM, and answers nothing
 * (not even /healthz) until it is killed. So writes are refused while the data directory's
 * free space is under a reserve, large enough for the writes already admitted, a new 16 MiB
 * WAL segment and a checkpoint. Free space is measured with one statfs a second, and again
 * shortly after writes, never per request; callers read the cached answer.
 */
export class StorageReserve {
  private free: number | undefined;
  private measuring: Promise<void> | null = null;
  private lastMeasured = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly resumed: Array<() => void> = [];

  constructor(private readonly options: StorageReserveOptions) {}

  get reserveBytes(): number {
    return this.options.reserveBytes;
  }

  /** The last measurement; undefined before the first one. */
  get freeBytes(): number | undefined {
    return this.free;
  }

  /** Whether writes are refused now. */
  get full(): boolean {
    return this.free !== undefined && this.free < this.options.reserveBytes;
  }

  /** Measures in the background until stop(). */
  start(): void {
    this.timer = setInterval(() => void this.measure(), this.options.intervalMs ?? INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Runs `listener` each time writes become possible again (background writers resume). */
  onResume(listener: () => void): void {
    this.resumed.push(listener);
  }

  /** Refuses a write while free space is under the reserve: nothing is written. */
  requireSpace(): void {
    if (!this.full) return;
    throw new DomainError(
      "resource_exhausted",
      "STORAGE_FULL",
      `the database's storage is below its free-space reserve (${Math.ceil(this.options.reserveBytes / MIB)} MiB); nothing was written. Free disk space, then retry`,
    );
  }

  /** A write has used some of the space: measure again soon (coalesced). */
  noteWrite(): void {
    if (Date.now() - this.lastMeasured >= (this.options.afterWriteMs ?? AFTER_WRITE_MS)) void this.measure();
  }

  /** One measurement at a time; resolves when the current one is done. */
  measure(): Promise<void> {
    this.measuring ??= this.run().finally(() => (this.measuring = null));
    return this.measuring;
  }

  private async run(): Promise<void> {
    this.lastMeasured = Date.now();
    const wasFull = this.full;
    try {
      this.free = await this.options.freeSpace();
    } catch (err) {
      // The last answer stands: a disk that cannot be measured for a moment is no news.
      this.options.logger.warn({ error: loggableError(err) }, "could not measure the data directory's free space");
      return;
    }
    if (this.full === wasFull) return;
    const fields = { freeBytes: this.free, reserveBytes: this.options.reserveBytes };
    if (this.full) {
      this.options.logger.error(fields, "free space is below the reserve: writes are refused until space is freed");
      return;
    }
    this.options.logger.info(fields, "free space is above the reserve again: writes resume");
    for (const listener of this.resumed) listener();
  }
}
