import type { Logger } from "pino";
import { loggableError } from "../logger.js";

/** How long after the last erasure of a burst the embedded files are scrubbed. */
export const SCRUB_DELAY_MS = 10_000;

/**
 * Runs the embedded database's scrub (embedded-scrub.ts) after erasures, once for a burst of them:
 * it rewrites whole tables and their indexes (6 s for `memories` at 10,000 memories with vectors,
 * its HNSW index rebuilt), and the embedded database answers nothing else meanwhile, so each
 * erasure running its own would stall the server once per erasure (an agent erasing memories one
 * by one: once per memory). It runs `delayMs` after the last erasure finished, and at shutdown
 * if one is owed.
 */
export class EmbeddedScrubber {
  private owed = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly scrub: () => Promise<void>,
    private readonly logger: Logger,
    private readonly delayMs = SCRUB_DELAY_MS,
  ) {}

  /** An erasure finished: scrub once no other has for `delayMs`. */
  request(): void {
    this.owed = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }

  /** Scrubs now if a scrub is owed; resolves once none is owed or under way. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    while (this.owed || this.running !== null) {
      if (this.running === null) {
        this.owed = false;
        this.running = this.scrub()
          .catch((err: unknown) => {
            // The next erasure asks again; until then the erased bytes may still be in the files.
            this.logger.error({ error: loggableError(err) }, "the scrub after an erasure failed");
          })
          .finally(() => (this.running = null));
      }
      await this.running;
    }
  }
}
