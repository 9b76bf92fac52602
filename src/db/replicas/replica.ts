import { MikroORM } from "@mikro-orm/postgresql";
import type { EntityManager } from "@mikro-orm/sql";
import { parseDatabaseUrl } from "../database-url.js";
import { timingLogger, type DatabaseOptions } from "../orm.js";
import { parseWalPosition } from "./wal-position.js";

/** What the last look at a replica found. */
export interface ReplicaState {
  /** It answered the last look. */
  up: boolean;
  /** Still a standby replaying the primary's log (a promoted one is a primary of its own). */
  standby: boolean;
  /** How far it has replayed the primary's log; null before it has answered. */
  replayed: bigint | null;
}

/** How long a look at a replica may take before it counts as down. */
const LOOK_TIMEOUT_MS = 2_000;

/**
 * One read-only Postgres (a streaming standby of the primary): a pool of its own that never
 * migrates, and what was last seen of it. Looks are shared: however many reads wait on it at
 * once, one statement at a time asks how far it has replayed.
 */
export class Replica {
  state: ReplicaState = { up: false, standby: false, replayed: null };
  private looking: Promise<ReplicaState> | null = null;

  private constructor(
    /** host:port, for logs and metric labels (never the password). */
    readonly address: string,
    private readonly orm: MikroORM,
  ) {}

  /** Opens its pool without connecting: a replica that is down at start is only skipped. */
  static async open(
    url: string,
    options: Pick<DatabaseOptions, "schema" | "poolSize" | "connectTimeoutSeconds" | "onQuery">,
  ): Promise<Replica> {
    const target = parseDatabaseUrl(url);
    const orm = await MikroORM.init({
      loggerFactory: timingLogger(options.onQuery),
      entities: options.schema.entities,
      routines: options.schema.routines,
      clientUrl: target.url,
      pool: { min: 0, max: options.poolSize ?? 10 },
      driverOptions: { connectionTimeoutMillis: (options.connectTimeoutSeconds ?? 10) * 1000 },
      allowGlobalContext: false,
      ensureDatabase: false,
    });
    return new Replica(target.address, orm);
  }

  get em(): EntityManager {
    return this.orm.em;
  }

  /** Asks it now (joining a look already under way). */
  look(): Promise<ReplicaState> {
    this.looking ??= this.ask().finally(() => {
      this.looking = null;
    });
    return this.looking;
  }

  /** A read there failed as a replica that went away fails: skipped until a look finds it again. */
  markDown(): void {
    this.state = { ...this.state, up: false };
  }

  close(): Promise<void> {
    return this.orm.close(true);
  }

  private async ask(): Promise<ReplicaState> {
    try {
      const [row] = await withTimeout(
        this.em
          .fork()
          .execute<{ standby: boolean; replayed: string | null }[]>(
            "select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replayed",
          ),
        LOOK_TIMEOUT_MS,
      );
      const replayed = row?.replayed ? parseWalPosition(row.replayed) : null;
      this.state = { up: true, standby: row?.standby === true, replayed };
    } catch {
      this.state = { ...this.state, up: false };
    }
    return this.state;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
