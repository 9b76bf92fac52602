import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync, unlinkSync } from "node:fs";
import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

/** Where a server holding the lock accepts calls, so that CLI tools can go through it. */
export interface LockListener {
  host: string;
  port: number;
  tls: boolean;
}

/** What the lock file says about the process holding it. */
export interface LockHolder {
  /** Tells this holder's file from a later one with the same pid. */
  id: string;
  pid: number;
  hostname: string;
  /** ISO 8601. */
  startedAt: string;
  /** The kernel's start time of the pid (Linux), so that a reused pid is not taken for the holder. */
  processStart?: string;
  /** The kernel's boot (Linux): a lock from an earlier boot is stale whatever its pid. */
  bootId?: string;
  /** The pid namespace (Linux): another container's pids cannot be checked from this one. */
  pidNamespace?: string;
  listener?: LockListener;
}

export const LOCK_FILE = "engram.lock";

/** The data directory is in use by another live process (or by this one, through another opener). */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(`data directory ${dataDir} is in use by ${describeHolder(holder)}`);
    this.name = "DataDirLockedError";
  }
}

export function describeHolder(holder: LockHolder): string {
  const listening = holder.listener
    ? `, listening on ${holder.listener.host}:${holder.listener.port}`
    : ", not listening (yet)";
  return `engram pid ${holder.pid} on host ${holder.hostname} since ${holder.startedAt}${listening}`;
}

export interface DataDirLock {
  /** The lock file. */
  readonly path: string;
  readonly holder: LockHolder;
  /** Set when this lock replaced a stale one (its holder had died; undefined: the file was unreadable). */
  readonly replaced: { holder: LockHolder | undefined } | undefined;
  /** Records where the server listens, for CLI tools that find it through the lock. */
  recordListener(listener: LockListener): Promise<void>;
  release(): Promise<void>;
}

/** Lock files this process holds: a second opener in the same process is refused like any other. */
const held = new Set<string>();

/**
 * Takes the exclusive lock on an embedded data directory: two PGlite instances on one directory
 * each see only their own writes, and the last to close overwrites the other's. The lock file is
 * linked into place fully written (link fails if it exists), so no one ever reads half a lock.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE);
  const holder: LockHolder = {
    id: randomUUID(),
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    processStart: processStat(process.pid)?.start,
    bootId: BOOT_ID,
    pidNamespace: PID_NAMESPACE,
  };
  await mkdir(dir, { recursive: true });
  let replaced: DataDirLock["replaced"];
  // Each lost race re-reads the file; a live holder ends the loop, and so does a lock that keeps coming back.
  for (let attempt = 0; ; attempt++) {
    const temp = await writeTemp(path, holder);
    try {
      await link(temp, path);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (attempt >= 5) throw new Error(`could not take ${path}: other processes keep replacing it`, { cause: err });
    } finally {
      await unlink(temp);
    }
    const text = await readFile(path, "utf8").catch(undefinedIfMissing);
    if (text === undefined) continue;
    const current = parseHolder(text);
    if (current !== undefined && (held.has(path) || isAlive(current))) throw new DataDirLockedError(dir, current);
    replaced = { holder: current };
    await removeStale(path, text);
  }
  held.add(path);
  // process.exit() skips close(): the lock still goes with the process instead of waiting to be found stale.
  const onExit = () => {
    if (isOurs(readFileSyncOrUndefined(path), holder)) unlinkSync(path);
  };
  process.once("exit", onExit);

  return {
    path,
    holder,
    replaced,
    async recordListener(listener) {
      holder.listener = listener;
      // rename() replaces the file atomically: readers see the old holder or the new one.
      await rename(await writeTemp(path, holder), path);
    },
    async release() {
      process.off("exit", onExit);
      held.delete(path);
      const text = await readFile(path, "utf8").catch(undefinedIfMissing);
      // Gone between the read and the unlink (the directory removed meanwhile) is released too.
      if (text !== undefined && isOurs(text, holder)) await unlink(path).catch(undefinedIfMissing);
    },
  };
}

async function writeTemp(path: string, holder: LockHolder): Promise<string> {
  const temp = `${path}.${process.pid}.${randomUUID()}`;
  const file = await open(temp, "wx", 0o644);
  try {
    await file.writeFile(JSON.stringify(holder) + "\n");
    // Flushed before it becomes the lock: after a power cut the lock is whole or absent, never empty.
    await file.sync();
  } finally {
    await file.close();
  }
  return temp;
}

/**
 * Moves a stale lock aside. Two processes may find the same stale lock at once: the one whose
 * rename moved a different file (the other's fresh lock) puts it back and then finds it live.
 */
async function removeStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if ((await readFile(aside, "utf8")) !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside);
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === "number" && typeof value.hostname === "string" && typeof value.id === "string") {
      return value as LockHolder;
    }
  } catch {
    // Damaged (nothing this module writes): no live holder can be named, so it is stale.
  }
  return undefined;
}

/**
 * Whether the holder still runs. A lock from another host cannot be checked from here and
 * counts as live: its owner (or an operator who knows it is gone) removes it.
 */
function isAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.bootId !== undefined && BOOT_ID !== undefined && holder.bootId !== BOOT_ID) return false;
  // Containers sharing a volume and a hostname each number their own processes.
  if (holder.pidNamespace !== PID_NAMESPACE) return true;
  // This very process: a lock it holds was refused by the caller already, so this one is left
  // from an earlier process that had the same pid (a restarted container numbers alike).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the pid exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const now = processStat(holder.pid);
  // A killed process stays a zombie until its parent reaps it, and kill(pid, 0) still finds it:
  // it runs nothing, so it holds nothing (a restart right after kill -9 must not wait for the reaping).
  if (now?.state === "Z" || now?.state === "X") return false;
  return holder.processStart === undefined || now === undefined || now.start === holder.processStart;
}

const BOOT_ID = readOrUndefined(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
const PID_NAMESPACE = readOrUndefined(() => readlinkSync("/proc/self/ns/pid"));

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * From /proc/<pid>/stat (Linux only; undefined elsewhere or once the pid is gone): field 3, the
 * state, and field 22, when the process started in clock ticks since boot.
 */
function processStat(pid: number): { state: string | undefined; start: string | undefined } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

function isOurs(text: string | undefined, holder: LockHolder): boolean {
  return text !== undefined && parseHolder(text)?.id === holder.id;
}

function readFileSyncOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function undefinedIfMissing(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw err;
}
