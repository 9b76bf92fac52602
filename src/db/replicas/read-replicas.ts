import { setTimeout as sleep } from "node:timers/promises";
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { PrimaryPositions } from "./replica-lag.js";
import type { Replica } from "./replica.js";
import { parseWalPosition } from "./wal-position.js";

export interface ReadReplicasOptions {
  /** The primary, whose log position the replicas are measured against. */
  primary: EntityManager;
  replicas: Replica[];
  /** A replica further behind than this is skipped (--replica-max-lag-ms). */
  maxLagMs: number;
  /** How long a read waits for a replica to replay a write it must see, before reading the primary. */
  waitMs: number;
  logger: Logger;
  /** Told what each look found, for the metrics. */
  onLook?: (replica: Replica, lagMs: number | null) => void;
  /** How often each replica is looked at (default 250 ms). */
  lookEveryMs?: number;
}

/** Where a read goes: a replica, or the primary and why. */
export type ReadTarget =
  { replica: Replica; reason: "replica" } | { replica: null; reason: "no_replica" | "not_replayed" };

/** How often a waiting read asks the replicas again. */
const WAIT_STEP_MS = 5;

/**
 * The read replicas of one server: which are up, standing by and close enough to the primary,
 * and which of them a read may use, waiting (bounded) for one that has replayed what the read
 * must see.
 */
export class ReadReplicas {
  private readonly positions: PrimaryPositions;
  private readonly lags = new Map<Replica, number>();
  private turn = 0;
  private timer: NodeJS.Timeout | null = null;
  private looking: Promise<void> | null = null;

  constructor(private readonly options: ReadReplicasOptions) {
    this.positions = new PrimaryPositions(Math.max(10_000, options.maxLagMs * 2));
  }

  get replicas(): readonly Replica[] {
    return this.options.replicas;
  }

  /** Looks at every replica now, then every lookEveryMs until stop(). */
  async start(): Promise<void> {
    await this.lookAll();
    const every = this.options.lookEveryMs ?? 250;
    const tick = () => {
      this.looking = this.lookAll().finally(() => {
        this.looking = null;
        if (this.timer !== null) this.timer = setTimeout(tick, every).unref();
      });
    };
    this.timer = setTimeout(tick, every).unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.looking;
    await Promise.all(this.options.replicas.map((r) => r.close()));
  }

  /** Where the primary's log has reached: a position every write committed so far is at or before. */
  async writePosition(): Promise<bigint> {
    const [row] = await this.options.primary
      .fork()
      .execute<{ position: string }[]>("select pg_current_wal_insert_lsn()::text as position");
    return parseWalPosition(row?.position ?? "") ?? 0n;
  }

  /**
   * A replica for a read that must see everything up to `minimum` (null: anything close enough),
   * waiting up to waitMs for one to replay it; else the primary.
   */
  async choose(minimum: bigint | null): Promise<ReadTarget> {
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      const usable = this.options.replicas.filter((r) => this.usable(r));
      const ready = usable.filter((r) => minimum === null || (r.state.replayed ?? 0n) >= minimum);
      if (ready.length > 0) {
        this.turn = (this.turn + 1) % ready.length;
        return { replica: ready[this.turn] as Replica, reason: "replica" };
      }
      if (usable.length === 0) return { replica: null, reason: "no_replica" };
      const left = deadline - Date.now();
      if (left <= 0) return { replica: null, reason: "not_replayed" };
      await sleep(Math.min(WAIT_STEP_MS, left));
      // A slow look must not hold the read past its bound.
      const bound = new AbortController();
      const timeLeft = sleep(Math.max(0, deadline - Date.now()), undefined, { signal: bound.signal }).catch(() => {});
      await Promise.race([Promise.all(usable.map((r) => r.look())), timeLeft]);
      bound.abort();
    }
  }

  private usable(replica: Replica): boolean {
    const { up, standby, replayed } = replica.state;
    return up && standby && replayed !== null && (this.lags.get(replica) ?? 0) <= this.options.maxLagMs;
  }

  private async lookAll(): Promise<void> {
    try {
      this.positions.record(await this.writePosition(), Date.now());
    } catch {
      // The primary did not answer: the replicas keep their last lag until it does.
    }
    await Promise.all(
      this.options.replicas.map(async (replica) => {
        const before = { usable: this.usable(replica), ...replica.state };
        const state = await replica.look();
        const lag = state.up && state.replayed !== null ? this.positions.lagOf(state.replayed, Date.now()) : null;
        if (lag === null) this.lags.delete(replica);
        else this.lags.set(replica, lag);
        this.options.onLook?.(replica, lag);
        this.report(replica, before, lag);
      }),
    );
  }

  /** One line when a replica starts or stops being used, saying why. */
  private report(replica: Replica, before: { usable: boolean; up: boolean; standby: boolean }, lag: number | null) {
    const usable = this.usable(replica);
    if (usable === before.usable) return;
    const { logger } = this.options;
    const { up, standby } = replica.state;
    if (usable) logger.info({ replica: replica.address, lagMs: lag }, "reading from replica");
    else if (!up) logger.warn({ replica: replica.address }, "replica does not answer: its reads go elsewhere");
    else if (!standby) logger.warn({ replica: replica.address }, "replica is no longer a standby: skipped");
    else
      logger.warn({ replica: replica.address, lagMs: lag }, "replica is too far behind: skipped until it catches up");
  }
}
