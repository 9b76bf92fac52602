import type { PGlite } from "@electric-sql/pglite";
import { MikroORM as PgliteORM } from "@mikro-orm/pglite";
import { MikroORM as PostgresORM } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import type { EntityManager } from "@mikro-orm/sql";
import { ApiKeySchema } from "../auth/api-key.entity.js";
import { MemorySchema } from "../memory/memory.entity.js";
import { WriteRequestSchema } from "../memory/write-request.entity.js";
import { migrations } from "./migrations/index.js";
import { openPglite } from "./pglite.js";

export interface DatabaseOptions {
  /** Postgres connection string; when absent, the embedded PGlite under dataDir is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
}

export interface Database {
  /** The root entity manager: fork it (or use a transaction's) for every unit of work. */
  em: EntityManager;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

const common = {
  entities: [MemorySchema, ApiKeySchema, WriteRequestSchema],
  extensions: [Migrator],
  migrations: { migrationsList: migrations, transactional: true, snapshot: false, silent: true },
  // Every unit of work forks explicitly; the global manager is never used for queries.
  allowGlobalContext: false,
};

/** Connects to Postgres or the embedded PGlite and applies the committed migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const orm = await PostgresORM.init({
      ...common,
      clientUrl: options.databaseUrl,
      pool: { min: 0, max: options.poolSize ?? 10 },
    });
    await orm.migrator.up();
    return { em: orm.em as unknown as EntityManager, kind: "postgres", close: () => orm.close(true) };
  }
  const pglite: PGlite = await openPglite(options.dataDir);
  const orm = await PgliteORM.init({ ...common, dbName: "engram", driverOptions: { pglite } });
  await orm.migrator.up();
  return {
    em: orm.em as unknown as EntityManager,
    kind: "pglite",
    async close() {
      await orm.close(true);
      await pglite.close();
    },
  };
}
