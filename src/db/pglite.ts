import { mkdirSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, type QueryOptions, type Results } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import type { Logger } from "pino";
import type {
  PgliteReply,
  PgliteRequest,
  PgliteStart,
  PgliteStatement,
  PgliteWorkerData,
  PlainError,
} from "./pglite-worker.js";
import { WorkerThread, type Unnumbered } from "../worker-thread.js";

export interface PgliteOptions {
  /**
   * A new database starts from this dump of a migrated, empty one (the build makes it) instead of
   * from PGlite's initdb: about 0.4 s instead of 2 at a first start. Used only when it exists.
   */
  seed?: URL;
  logger?: Logger;
}

/**
 * The embedded Postgres (PGlite, with pgvector) stored under the data directory, running on a
 * thread of its own (pglite-worker.ts). It offers what MikroORM's PGlite driver uses of a PGlite
 * instance (statements, transactions, readiness, close), with PGlite's semantics: one statement
 * at a time, and a transaction holding the database until it ends.
 */
export class PgliteThread {
  readonly ready = true;
  readonly waitReady = Promise.resolve();
  private closing: Promise<void> | undefined;

  private constructor(private readonly thread: WorkerThread<PgliteRequest, PgliteReply>) {}

  static async open(dataDir: string, { seed, logger }: PgliteOptions = {}): Promise<PgliteThread> {
    const dir = join(dataDir, "pglite");
    mkdirSync(dir, { recursive: true });
    const data: PgliteWorkerData = { dir, seed: seed && fileURLToPath(seed) };
    const { thread, start } = await WorkerThread.start<PgliteRequest, PgliteReply, PgliteStart>(
      new URL("./pglite-worker.ts", import.meta.url),
      data,
      "the embedded database's thread",
      (started) => (started.opened ? undefined : revive(started.error)),
    );
    if (start.opened && start.seedRejected !== undefined) {
      logger?.warn(
        { seed: seed?.pathname, error: start.seedRejected },
        "the database seed did not load; creating anew",
      );
    }
    return new PgliteThread(thread);
  }

  get closed(): boolean {
    return this.closing !== undefined || this.thread.stopped;
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.run({ op: "query", sql, params, options }) as Promise<Results<T>>;
  }

  exec(sql: string, options?: QueryOptions): Promise<Results[]> {
    return this.run({ op: "exec", sql, options }) as Promise<Results[]>;
  }

  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. The
   * transaction begins with its first statement, in the same request to the thread (a request is
   * a round trip between threads; a search's transaction makes ten), and one that runs no
   * statement costs none.
   */
  async transaction<T>(work: (tx: PgliteTransaction) => Promise<T>): Promise<T> {
    let begun: Promise<number | undefined> | undefined;
    const step = async (statement: Unnumbered<PgliteStatement>): Promise<unknown> => {
      if (begun === undefined) {
        const reply = this.thread.call({ ...statement, tx: "new" });
        begun = reply.then(
          (r) => r.tx,
          () => undefined,
        );
        return unwrap(await reply);
      }
      const tx = await begun;
      if (tx === undefined) throw new Error("the transaction did not begin on the embedded database");
      return this.run({ ...statement, tx });
    };
    let result: T;
    try {
      result = await work({
        query: <R>(sql: string, params?: unknown[], options?: QueryOptions) =>
          step({ op: "query", sql, params, options }) as Promise<Results<R>>,
        exec: (sql: string, options?: QueryOptions) => step({ op: "exec", sql, options }) as Promise<Results[]>,
      });
    } catch (err) {
      const tx = await begun;
      if (tx !== undefined) await this.run({ op: "end", tx, commit: false });
      throw err;
    }
    const tx = await begun;
    if (tx !== undefined) await this.run({ op: "end", tx, commit: true });
    return result;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.thread.stopped) await this.run({ op: "close" });
      await this.thread.terminate();
    })();
    return this.closing;
  }

  private async run(request: Unnumbered<PgliteRequest>): Promise<unknown> {
    return unwrap(await this.thread.call(request));
  }
}

function unwrap(reply: PgliteReply): unknown {
  if ("error" in reply) throw revive(reply.error);
  return reply.result;
}

/** What a transaction's callback is given: statements within it. */
export interface PgliteTransaction {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string, options?: QueryOptions): Promise<Results[]>;
}

/** The thread's error as an Error again, with the fields the error mapping reads (code, constraint, errno). */
function revive(error: PlainError): Error {
  const err = new Error(error.message, error.cause && { cause: revive(error.cause) });
  return Object.assign(err, error.fields, { name: error.name });
}

/**
 * The embedded database under dataDir on the calling thread, for one-shot work with no requests
 * to serve: the seed dump, and benchmarks measuring the raw SQL alone.
 */
export function openPgliteHere(dataDir: string): Promise<PGlite> {
  return PGlite.create({ dataDir: join(dataDir, "pglite"), extensions: { vector }, relaxedDurability: false });
}

/** Writes the database under dataDir, which must not be open, to `file` as a seed for new ones. */
export async function dumpPgliteSeed(dataDir: string, file: string): Promise<void> {
  const pglite = await openPgliteHere(dataDir);
  try {
    const dump = await pglite.dumpDataDir("gzip");
    const aside = `${file}.${process.pid}.tmp`;
    await writeFile(aside, Buffer.from(await dump.arrayBuffer()));
    await rename(aside, file);
  } finally {
    await pglite.close();
  }
}
