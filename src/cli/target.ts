import { join } from "node:path";
import { Command, Option } from "commander";
import { readAdminKey } from "../auth/api-keys.js";
import { DataDirLockedError, type LockListener } from "../db/data-dir-lock.js";
import { parseDatabaseUrl } from "../db/database-url.js";
import { openDatabase, type Database } from "../db/orm.js";
import { createLogger } from "../logger.js";
import { SCHEMA } from "../schema.js";
import { PGLITE_SEED } from "../generated-files.js";

export interface TargetOptions {
  databaseUrl?: string;
  dataDir: string;
  /** A running server to act through, with --api-key or the data directory's admin.key. */
  url?: string;
  apiKey?: string;
}

/** What an operator command acts on: the database itself, or a running server's API with an admin key. */
export type Target =
  | { kind: "database"; db: Database }
  | {
      kind: "server";
      url: string;
      adminKey: string;
      /** Names the server and the key in messages ("the server at ..."). */
      holder: string;
    };

/** The options that choose a target, and nothing of the server's. */
export function withTargetOptions(command: Command): Command {
  return command
    .addOption(new Option("--database-url <url>", "Postgres, when the data is there").env("DATABASE_URL"))
    .addOption(
      new Option("--data-dir <dir>", "embedded database and admin.key").env("ENGRAM_DATA_DIR").default(".data"),
    )
    .addOption(
      new Option(
        "--url <url>",
        "act through the server at this URL (else on the database, or through the server holding it)",
      ).env("ENGRAM_URL"),
    )
    .addOption(
      new Option("--api-key <key>", "admin key for --url (default: <data dir>/admin.key)").env("ENGRAM_API_KEY"),
    );
}

/**
 * The server --url names; else the database when this process may open it; else (an embedded
 * server holds the data directory) that server, with the directory's admin.key.
 */
export async function openTarget(o: TargetOptions): Promise<Target> {
  if (o.url !== undefined) {
    const adminKey = o.apiKey ?? (await readAdminKey(o.dataDir));
    return { kind: "server", url: o.url, adminKey, holder: `the server at ${o.url}` };
  }
  const databaseUrl = o.databaseUrl || undefined;
  if (databaseUrl !== undefined) parseDatabaseUrl(databaseUrl);
  try {
    const db = await openDatabase({
      schema: SCHEMA,
      databaseUrl,
      dataDir: o.dataDir,
      pgliteSeed: PGLITE_SEED,
      logger: createLogger("warn"),
    });
    return { kind: "database", db };
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    // The embedded database belongs to the running server: writing beside it would lose data.
    const { listener } = err.holder;
    if (listener === undefined) {
      throw new Error(`${err.message}: run this again once it is listening, or after it has stopped`, { cause: err });
    }
    const url = serverUrl(listener);
    const adminKeyFile = join(o.dataDir, "admin.key");
    const adminKey = await readAdminKey(o.dataDir).catch(() => {
      throw new Error(`${err.message}, and ${adminKeyFile} cannot be read: stop it and run this again`);
    });
    process.stderr.write(`acting through the running server at ${url} (pid ${err.holder.pid})\n`);
    return { kind: "server", url, adminKey, holder: `${err.message}; its ${adminKeyFile}` };
  }
}

/** Where this host reaches a server listening on `listener` (a wildcard address means loopback). */
function serverUrl({ host, port, tls }: LockListener): string {
  const reachable = host === "" || host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  const address = reachable.includes(":") ? `[${reachable}]` : reachable;
  return `${tls ? "https" : "http"}://${address}:${port}`;
}
