import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { loggableError } from "../logger.js";
import { ChangeLogRepository, type FeedHeads } from "./change-log.repository.js";

/** Changes numbered per transaction: a backlog is numbered in several, never one long lock. */
const BATCH = 5_000;

export interface SequencerOptions {
  logger: Logger;
  /** How often to look for changes no server numbered (a server killed between commit and numbering). */
  pollMs: number;
  /** The server id the other servers' notifications carry (null: no other server to tell). */
  announceAs: string | null;
  /** Called on this server after each numbering commits, with the workspaces' new heads. */
  onSequenced: (heads: FeedHeads) => void;
}

/**
 * Numbers committed changes in the change log (ChangeLogRepository.sequence). A write kicks it
 * once committed; runs never overlap on one server, and a kick during a run makes one more
 * run, so every kicked change is numbered by a run that starts after its commit.
 */
export class Sequencer {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly options: SequencerOptions,
  ) {}

  /** Numbers whatever committed and waits; starts the poll for what other servers left. */
  async start(): Promise<void> {
    await this.kick();
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  /** Numbers what has committed by now; resolves once a run that started after this call ends. */
  kick(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running.then(() => this.running ?? undefined);
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.kick();
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.again = false;
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      const changeLog = new ChangeLogRepository(this.em.fork());
      // A full batch may have left more behind; changes committed since are the next kick's.
      for (let numbered = BATCH; numbered === BATCH;) {
        const sequenced = await changeLog.sequence(BATCH, this.options.announceAs);
        numbered = sequenced.numbered;
        if (sequenced.heads.size > 0) this.options.onSequenced(sequenced.heads);
      }
    } catch (err) {
      this.options.logger.error(
        { error: loggableError(err) },
        "numbering the change log failed; retrying on the next poll",
      );
    }
  }

  private async poll(): Promise<void> {
    if (this.running !== null) return;
    const pending = await new ChangeLogRepository(this.em.fork()).hasUnsequenced().catch(() => false);
    if (pending) await this.kick();
  }
}
