import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readlinkSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, LOCK_FILE } from "./data-dir-lock.js";

/**
 * Issue 47, defect 6: a restart right after kill -9 exited with DataDirLockedError naming the
 * killed pid, because a killed process that its parent has not reaped yet (a zombie) still
 * answers kill(pid, 0). A zombie runs nothing and holds nothing.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/**
 * A process that is a zombie until the test ends: perl forks a child, kills it and never waits
 * for it (Node would reap its own children at once, so the zombie must belong to another parent).
 */
async function zombie(): Promise<number> {
  const parent = spawn(
    "perl",
    ["-e", '$| = 1; $p = fork; if (!$p) { sleep 100; exit } kill 9, $p; print "$p\\n"; sleep 100'],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  cleanups.push(() => stop(parent));
  const [line] = (await once(parent.stdout, "data")) as [Buffer];
  const pid = Number(line.toString().trim());
  // kill 9 is sent before the pid is printed, but the child becomes a zombie when the kernel is done with it.
  while (statFields(pid)[0] !== "Z") await new Promise((r) => setTimeout(r, 5));
  return pid;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGKILL");
  await once(child, "exit");
}

/** The fields of /proc/<pid>/stat from the third (the state) on. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** The lock a server with this pid would have written on this machine. */
function lockOf(pid: number): object {
  return {
    id: "holder",
    pid,
    hostname: hostname(),
    startedAt: "2024-01-01T00:00:00.000Z",
    processStart: statFields(pid)[19],
    bootId: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
    pidNamespace: readlinkSync("/proc/self/ns/pid"),
  };
}

async function lockedDir(pid: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "engram-lock-unit-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, LOCK_FILE), JSON.stringify(lockOf(pid)));
  return dir;
}

describe.runIf(process.platform === "linux")("the data directory lock of a killed holder", () => {
  it("a holder that is a zombie (killed, not yet reaped) no longer holds the directory", async () => {
    const pid = await zombie();
    const dir = await lockedDir(pid);

    const taken = await acquireDataDirLock(dir);
    cleanups.push(() => taken.release());
    expect(taken.replaced?.holder?.pid).toBe(pid);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
  });

  it("a live holder on this host still holds it", async () => {
    const dir = await lockedDir(process.ppid);
    await expect(acquireDataDirLock(dir)).rejects.toMatchObject({ name: "DataDirLockedError" });
  });
});
