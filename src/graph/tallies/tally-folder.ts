import type { Logger } from "pino";
import { loggableError } from "../../logger.js";
import { FOLD_BATCH } from "./fold-rows.js";

export interface TallyFolderOptions {
  /** After a write, how long to wait for more before folding (writes come in bursts). */
  delayMs: number;
  /** Folds this often whatever this server wrote: another server's writes, the sweepers', merges'. */
  intervalMs: number;
}

export const DEFAULT_TALLY_FOLDER_OPTIONS: TallyFolderOptions = { delayMs: 500, intervalMs: 10_000 };

/**
 * Keeps entity_tallies folded (entity-tally.repository.ts): soon after writes, and on an
 * interval. Until a key is folded its readers sum a few more rows, and after a removal may read
 * the entity's names rows instead (tally-sql.ts), so folding is about speed, never correctness.
 * One fold at a time; a fold of a full batch is followed by another at once.
 */
export class TallyFolder {
  private running: Promise<void> | null = null;
  private delay: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly fold: () => Promise<number>,
    private readonly logger: Logger,
    private readonly options: TallyFolderOptions = DEFAULT_TALLY_FOLDER_OPTIONS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.foldAll(), this.options.intervalMs);
    this.timer.unref();
    void this.foldAll();
  }

  /** Writes happened: fold once they pause. */
  noteWrites(): void {
    if (this.stopped || this.delay !== undefined) return;
    this.delay = setTimeout(() => {
      this.delay = undefined;
      void this.foldAll();
    }, this.options.delayMs);
    this.delay.unref();
  }

  /** Folds everything pending now (tests and benchmarks wait on it). */
  foldAll(): Promise<void> {
    if (this.running !== null) return this.running.then(() => this.foldAll());
    if (this.stopped) return Promise.resolve();
    this.running = this.untilDone()
      .catch((error: unknown) => this.logger.warn({ error: loggableError(error) }, "folding entity tallies failed"))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.delay);
    await this.running;
  }

  private async untilDone(): Promise<void> {
    let pending = FOLD_BATCH;
    while (!this.stopped && pending >= FOLD_BATCH) pending = await this.fold();
  }
}
