/**
 * The embedded database's thread: PGlite (Postgres compiled to WebAssembly) runs every statement
 * synchronously on the thread that calls it, so on the server's event loop a search's SQL held up
 * every other request, and 16 searches in flight queued behind one core. Here it runs beside the
 * server, which sends statements and transactions (src/db/pglite.ts). From src/ this file runs
 * through Node's type stripping, so it imports packages only and uses erasable syntax only.
 */
import { readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type QueryOptions, type Transaction } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

export interface PgliteWorkerData {
  /** The database's directory (created by the caller). */
  dir: string;
  /** A dump of a migrated, empty database that a new one starts from, when the file exists. */
  seed: string | undefined;
}

/**
 * A statement, alone or in a transaction: `tx` names an open one, or is "new" to begin one with
 * this statement (its reply then names it, whether the statement succeeded or not).
 */
export type PgliteStatement =
  | { id: number; op: "query"; sql: string; params: unknown[] | undefined; options: QueryOptions | undefined }
  | { id: number; op: "exec"; sql: string; options: QueryOptions | undefined };

export type PgliteRequest =
  | (PgliteStatement & { tx?: number | "new" })
  | { id: number; op: "end"; tx: number; commit: boolean }
  | { id: number; op: "close" };

/** An error as the drivers threw it: its name, message, and the fields callers read (code, constraint, errno...). */
export interface PlainError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
  cause?: PlainError;
}

/** A request's outcome; `tx` is the transaction a statement began. */
export type PgliteReply = ({ result: unknown } | { error: PlainError }) & { id: number; tx?: number };

/** The first message: the database is open (and whether a seed was refused, and why), or why it is not. */
export type PgliteStart = { opened: true; seedRejected?: string } | { opened: false; error: PlainError };

const port = parentPort;
if (port === null) throw new Error("pglite-worker runs as a worker thread");
const { dir, seed } = workerData as PgliteWorkerData;

/** Thrown inside a transaction's callback to make PGlite roll it back. */
const ROLLBACK = new Error("rolled back by the server");

interface OpenTransaction {
  tx: Transaction;
  end(commit: boolean): void;
  finished: Promise<void>;
}

function plain(err: unknown, depth = 0): PlainError {
  if (typeof err !== "object" || err === null) return { name: "Error", message: String(err), fields: {} };
  // Emscripten's file-system errors (ErrnoError) are not always Errors; their fields count all the same.
  const { name, message, cause } = err as { name?: unknown; message?: unknown; cause?: unknown };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    if (key !== "cause" && (value === null || ["string", "number", "boolean"].includes(typeof value))) {
      fields[key] = value;
    }
  }
  return {
    name: typeof name === "string" ? name : "Error",
    message: typeof message === "string" ? message : "an error without a message",
    fields,
    ...(depth < 4 && cause !== undefined && { cause: plain(cause, depth + 1) }),
  };
}

/**
 * Old log segments are unlinked, not renamed for reuse: a reused segment keeps the bytes of the
 * log it held until they are written over, and an erasure must leave none (src/erasure/embedded-scrub.ts).
 */
const START_PARAMS = [...PGlite.defaultStartParams, "-c", "wal_recycle=off"];

function create(loadDataDir?: Blob): Promise<PGlite> {
  // relaxedDurability stays off: every commit reaches the filesystem before it is acknowledged.
  return PGlite.create({
    dataDir: dir,
    extensions: { vector },
    relaxedDurability: false,
    loadDataDir,
    startParams: START_PARAMS,
  });
}

async function open(): Promise<{ pglite: PGlite; seedRejected?: string }> {
  if (seed === undefined || readdirSync(dir).length > 0) return { pglite: await create() };
  let dump: Buffer;
  try {
    dump = await readFile(seed);
  } catch {
    return { pglite: await create() };
  }
  try {
    return { pglite: await create(new Blob([new Uint8Array(dump)])) };
  } catch (err) {
    // A seed that does not load (damaged, or from another PGlite) only costs the initdb.
    for (const entry of readdirSync(dir)) rmSync(`${dir}/${entry}`, { recursive: true, force: true });
    return { pglite: await create(), seedRejected: String(err) };
  }
}

let opened: { pglite: PGlite; seedRejected?: string };
try {
  opened = await open();
} catch (err) {
  port.postMessage({ opened: false, error: plain(err) } satisfies PgliteStart);
  throw err;
}
const { pglite } = opened;
const transactions = new Map<number, OpenTransaction>();
let nextTransaction = 1;

function begin(): Promise<number> {
  const id = nextTransaction++;
  let end!: (commit: boolean) => void;
  const decided = new Promise<boolean>((settle) => (end = settle));
  return new Promise((resolve, reject) => {
    // PGlite calls back once the transaction has begun, well after `finished` is assigned.
    const finished: Promise<void> = pglite
      .transaction(async (tx) => {
        transactions.set(id, { tx, end, finished });
        resolve(id);
        if (!(await decided)) throw ROLLBACK;
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (err !== ROLLBACK) throw err;
        },
      )
      .finally(() => transactions.delete(id));
    // Fails begin itself when the transaction never started (the database closed, say).
    finished.catch(reject);
  });
}

async function target(tx: number | "new" | undefined, begun: (tx: number) => void): Promise<PGlite | Transaction> {
  if (tx === undefined) return pglite;
  const id = tx === "new" ? await begin() : tx;
  if (tx === "new") begun(id);
  const open = transactions.get(id);
  if (open === undefined) throw new Error(`no open transaction ${id} on the embedded database`);
  return open.tx;
}

async function handle(request: PgliteRequest, begun: (tx: number) => void): Promise<unknown> {
  switch (request.op) {
    case "query":
      return (await target(request.tx, begun)).query(request.sql, request.params, request.options);
    case "exec":
      return (await target(request.tx, begun)).exec(request.sql, request.options);
    case "end": {
      const open = transactions.get(request.tx);
      if (open === undefined) throw new Error(`no open transaction ${request.tx} on the embedded database`);
      open.end(request.commit);
      await open.finished;
      return undefined;
    }
    case "close":
      await pglite.close();
      return undefined;
  }
}

port.on("message", (request: PgliteRequest) => {
  let tx: number | undefined;
  handle(request, (begun) => (tx = begun)).then(
    (result) => port.postMessage({ id: request.id, result, tx } satisfies PgliteReply),
    (err: unknown) => port.postMessage({ id: request.id, error: plain(err), tx } satisfies PgliteReply),
  );
});
port.postMessage({ opened: true, seedRejected: opened.seedRejected } satisfies PgliteStart);
