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
  /**
   * Whether a write's changes must be numbered as soon as it commits: someone may be watching,
   * here or on another server. Otherwise they wait for a reader (settle) or the poll, which
   * numbers a second's writes in one turn instead of one turn (and one commit) per write.
   */
  eager: () => boolean;
}

/**
 * Numbers committed changes in the change log (ChangeLogRepository.sequence). A write kicks it
 * once committed (or leaves it owed while nobody can be watching); runs never overlap on one
 * server, and a kick during a run makes one more run, so every kicked change is numbered by a
 * run that starts after its commit.
 */
export class Sequencer {
  private running: Promise<void> | null = null;
  private again = false;
  /** This server committed changes that no run has started numbering since. */
  private owed = false;
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

  /** A write committed changes: they are numbered now, or owed until someone reads the log. */
  written(): void {
    if (this.options.eager()) void this.kick();
    else this.owed = true;
  }

  /** Resolves once the changes this server owes a number have one (at once when it owes none). */
  settle(): Promise<void> {
    return this.owed ? this.kick() : Promise.resolve();
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
    // Whatever was owed committed before this run's first statement, which numbers it.
    this.owed = false;
    try {
      const changeLog = new ChangeLogRepository(this.em.fork());
      // A full batch may have left more behind; changes committed since are the next kick's.
      for (let numbered = BATCH; numbered === BATCH;) {
        const sequenced = await changeLog.sequence({ limit: BATCH, announceAs: this.options.announceAs });
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
