import type { PGlite } from "@electric-sql/pglite";
import { MikroORM as PgliteORM } from "@mikro-orm/pglite";
import { MikroORM as PostgresORM } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import { DefaultLogger, type EntitySchema, type LogContext, type LoggerOptions, type Routine } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { acquireDataDirLock, describeHolder, type DataDirLock } from "./data-dir-lock.js";
import { parseDatabaseUrl, type DatabaseUrl } from "./database-url.js";
import { migrations } from "./migrations/index.js";
import { setLocallyOnShards } from "./local-settings.js";
import { distributeByWorkspace } from "./sharding/distribute.js";
import { PgliteThread } from "./pglite.js";
import { recordStatement } from "../telemetry/spans.js";

export interface DatabaseOptions {
  /** The tables and SQL functions, from the composition root (src/schema.ts). */
  schema: DatabaseSchema;
  /** Postgres connection string; when absent, the embedded PGlite under dataDir is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** A new embedded database starts from this seed when it exists (src/db/pglite.ts). */
  pgliteSeed?: URL;
  poolSize?: number;
  /** Create the Postgres database when it does not exist (else that is a start-up error). */
  createDatabase?: boolean;
  /** How long opening a Postgres connection may take (default 10). */
  connectTimeoutSeconds?: number;
  /** For the lines saying a stale data directory lock was taken over, or a seed did not load. */
  logger?: Logger;
  /** Told how long each statement took (MikroORM measures in milliseconds) and whether it failed. */
  onQuery?: (seconds: number, failed: boolean) => void;
}

export interface DatabaseSchema {
  entities: EntitySchema[];
  routines: Routine[];
  /** Statements that replace the triggers Citus cannot run, before it distributes the tables (distribute.ts). */
  citusTriggers: readonly string[];
}

export interface Database {
  /** The root entity manager: fork it (or use a transaction's) for every unit of work. */
  em: EntityManager;
  kind: "postgres" | "pglite";
  /** The embedded data directory's lock, held until close(); none on Postgres, which servers share. */
  lock: DataDirLock | undefined;
  /**
   * The DDL that would bring the database to the schema (up) and back (down): empty when the
   * applied migrations and the entities agree. New migrations are made from this.
   */
  schemaChanges(): Promise<{ up: string[]; down: string[] }>;
  close(): Promise<void>;
}

/**
 * MikroORM's logger, which every statement's timing passes through whether or not it is printed:
 * the metrics and, when tracing, a span per statement.
 */
export function timingLogger(onQuery: DatabaseOptions["onQuery"]) {
  return (options: LoggerOptions) =>
    new (class extends DefaultLogger {
      override logQuery(context: { query: string } & LogContext): void {
        if (context.took !== undefined && context.namespace !== "slow-query") {
          onQuery?.(context.took / 1000, context.level === "error");
          recordStatement(context.query, context.took, context.level === "error");
        }
        super.logQuery(context);
      }
    })(options);
}

const common = {
  extensions: [Migrator],
  migrations: { migrationsList: migrations, transactional: true, snapshot: false, silent: true },
  // Every unit of work forks explicitly; the global manager is never used for queries.
  allowGlobalContext: false,
  // A mistyped database name must not become a new, empty database with a new admin key.
  ensureDatabase: false,
};

/** Connects to Postgres or the embedded PGlite and applies the committed migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(parseDatabaseUrl(options.databaseUrl), options);
  // Before PGlite opens anything: a second opener must fail without touching the files.
  const lock = await acquireDataDirLock(options.dataDir);
  if (lock.replaced) {
    const holder = lock.replaced.holder;
    options.logger?.warn(
      { lockFile: lock.path, previousHolder: holder && describeHolder(holder) },
      "took over the data directory lock of a process that is gone",
    );
  }
  try {
    const pglite = await PgliteThread.open(options.dataDir, { seed: options.pgliteSeed, logger: options.logger });
    const orm = await PgliteORM.init({
      ...common,
      loggerFactory: timingLogger(options.onQuery),
      entities: options.schema.entities,
      routines: options.schema.routines,
      dbName: "engram",
      // The driver's dialect uses only what PgliteThread offers of a PGlite instance. Given as a
      // function, which MikroORM's configuration copy leaves alone (it would clone an object).
      driverOptions: { pglite: () => pglite as unknown as PGlite },
    });
    await orm.migrator.up();
    return {
      em: orm.em as unknown as EntityManager,
      kind: "pglite",
      lock,
      schemaChanges: () => schemaChanges(orm),
      async close() {
        await orm.close(true);
        await pglite.close();
        await lock.release();
      },
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function openPostgres(target: DatabaseUrl, options: DatabaseOptions): Promise<Database> {
  const timeoutSeconds = options.connectTimeoutSeconds ?? 10;
  const orm = await PostgresORM.init({
    ...common,
    loggerFactory: timingLogger(options.onQuery),
    entities: options.schema.entities,
    routines: options.schema.routines,
    clientUrl: target.url,
    pool: { min: 0, max: options.poolSize ?? 10 },
    // pg's own timeout: it also bounds a later reconnect, and waiting for a free pooled connection.
    driverOptions: { connectionTimeoutMillis: timeoutSeconds * 1000 },
  });
  try {
    await orm.em
      .getConnection()
      .execute("select 1")
      .catch((err: unknown) => {
        if (!(isMissingDatabase(err) && options.createDatabase)) throw connectError(target, timeoutSeconds, err);
      });
    // The migrator creates the database when it is missing, which only --create-database lets it reach.
    await orm.migrator.up();
    // On Citus, what the migrations created is then distributed by workspace; the connections
    // opened so far lack the database settings that set up, when it set them.
    const distributed = await distributeByWorkspace(orm.em.fork(), options.schema.citusTriggers);
    if (distributed.settingsChanged) await orm.reconnect();
    if (distributed.citus) setLocallyOnShards(orm.em);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return {
    em: orm.em as unknown as EntityManager,
    kind: "postgres",
    lock: undefined,
    schemaChanges: () => schemaChanges(orm),
    close: () => orm.close(true),
  };
}

async function schemaChanges(orm: PgliteORM | PostgresORM): Promise<{ up: string[]; down: string[] }> {
  const { up, down } = await orm.schema.getUpdateSchemaMigrationSQL({ wrap: false });
  const statements = (script: string) =>
    script
      .split(/;\n/)
      .map((s) => s.trim().replace(/;$/, ""))
      .filter((s) => s !== "");
  return { up: statements(up), down: statements(down) };
}

/** One clear sentence per failure, naming host:port and database but never the password. */
function connectError(target: DatabaseUrl, timeoutSeconds: number, err: unknown): Error {
  if (isMissingDatabase(err)) {
    return new Error(
      `database "${target.database}" does not exist at ${target.address}: create it, or start with --create-database (ENGRAM_CREATE_DATABASE=true)`,
    );
  }
  const reason = err instanceof Error ? err.message : String(err);
  // pg's words for its connectionTimeoutMillis expiring.
  if (/connection timeout|timeout exceeded/.test(reason)) {
    return new Error(`could not connect to the database at ${target.address} within ${timeoutSeconds} s`);
  }
  return new Error(`could not connect to the database at ${target.address}: ${reason}`);
}

function isMissingDatabase(err: unknown): boolean {
  return (err as { code?: unknown }).code === "3D000";
}
