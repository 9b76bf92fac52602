/**
 * A full disk under the embedded database, for real: the data directory on a small tmpfs this
 * test mounts, nearly filled by a file of its own. PGlite 0.5.14 never fails a write that finds
 * no room for its WAL; it spins forever (100% CPU, deaf to SIGTERM, /healthz unanswered). So
 * the server must refuse writes (RESOURCE_EXHAUSTED STORAGE_FULL) while space is left, go on
 * answering reads and probes, and take writes again once space is freed. Always on PGlite,
 * whatever DATABASE_URL says. Mounting needs root or sudo, like the browser test's install;
 * test/service/storage-reserve.test.ts shows the same rules on a simulated disk, on both engines.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { memoryClient } from "../../support/clients.js";
import { keyFor, spawnEngram, type EngramProcess } from "../../support/engram-process.js";

const run = promisify(execFile);
const MIB = 1024 * 1024;
const RESERVE_MIB = 32;

const mountPoint = await mkdtemp(join(tmpdir(), "engram-disk-full-"));
// Mounting takes root, or sudo, as installing the browser for the browser test does.
const asRoot = (command: string, args: string[]) =>
  process.getuid?.() === 0 ? run(command, args) : run("sudo", ["-n", command, ...args]);
await asRoot("mount", ["-t", "tmpfs", "-o", "size=160m", "tmpfs", mountPoint]).catch((err: unknown) => {
  throw new Error(`the disk-full test mounts a small tmpfs, which needs root or sudo: ${String(err)}`);
});
const dataDir = join(mountPoint, "data");
const filler = join(mountPoint, "filler");
let server: EngramProcess | undefined;

afterAll(async () => {
  await server?.kill();
  await asRoot("umount", [mountPoint]);
  await rm(mountPoint, { recursive: true, force: true });
});

async function freeBytes(): Promise<number> {
  const stats = await statfs(mountPoint);
  return stats.bavail * stats.bsize;
}

/** Status, and for errors the reason; a server that hangs fails the call at its deadline. */
async function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "ok",
    (err: unknown) => {
      const e = ConnectError.from(err);
      return `${Code[e.code]} ${e.findDetails(ErrorInfoSchema)[0]?.reason ?? e.rawMessage}`;
    },
  );
}

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${server!.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** Memories of random words: PGlite compresses repetitive content to almost nothing. */
function batch(n: number) {
  return {
    requests: Array.from({ length: n }, () => ({
      memory: { subjectType: "contact", subjectId: "disk", kind: "note", content: randomBytes(600).toString("base64") },
    })),
  };
}

describe("the embedded database on a disk that fills up", () => {
  it("refuses writes before the disk is full, keeps answering, and takes writes again once space is freed", async () => {
    server = await spawnEngram({
      dataDir,
      env: { DATABASE_URL: undefined, ENGRAM_STORAGE_RESERVE_MB: String(RESERVE_MIB) },
    });
    const key = await keyFor(dataDir, undefined);
    const client = memoryClient(server.baseUrl, key);
    // Leave the reserve and 12 MiB: a few seconds of writing.
    await writeFile(filler, Buffer.alloc((await freeBytes()) - (RESERVE_MIB + 12) * MIB));

    let written = 0;
    let refused = "";
    for (let i = 0; i < 1000 && refused === ""; i++) {
      const result = await outcome(client.batchWriteMemories(batch(50), { timeoutMs: 20_000 }));
      if (result === "ok") written += 50;
      else refused = result;
    }
    expect(refused).toBe("ResourceExhausted STORAGE_FULL");
    expect(await freeBytes()).toBeGreaterThan(8 * MIB);

    // Every way in refuses, and says why; reads and probes answer.
    expect(await outcome(client.writeMemory(batch(1).requests[0]!, { timeoutMs: 20_000 }))).toBe(
      "ResourceExhausted STORAGE_FULL",
    );
    const rest = await fetch(`${server.baseUrl}/v1/memory`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(batch(1).requests[0]!.memory),
      signal: AbortSignal.timeout(20_000),
    });
    expect([rest.status, await rest.text()]).toEqual([429, expect.stringContaining("STORAGE_FULL")]);
    const seed = await fetch(`${server.baseUrl}/agent/memory/write`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ content: "John Smith is the CTO of Acme Corp.", volume_id: "default" }),
      signal: AbortSignal.timeout(20_000),
    });
    expect(seed.status).toBe(429);
    expect(await get("/healthz")).toEqual({ status: 200, body: "ok\n" });
    expect(await get("/readyz")).toEqual({ status: 200, body: expect.stringMatching(/^ready, read-only/) });
    expect((await get("/metrics")).body).toMatch(/^engram_storage_writes_refused 1$/m);
    const listed = await client.listMemories({ pageSize: 1 }, { timeoutMs: 20_000 });
    expect(listed.memories).toHaveLength(1);
    expect(written).toBeGreaterThan(0);

    // Space comes back: within the server's next measurement (a second), writes are taken again.
    await rm(filler);
    let again = "";
    for (let i = 0; i < 100 && again !== "ok"; i++) {
      again = await outcome(client.writeMemory(batch(1).requests[0]!, { timeoutMs: 20_000 }));
      if (again !== "ok") await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(again).toBe("ok");
    expect(await get("/readyz")).toEqual({ status: 200, body: "ready\n" });
    expect((await get("/metrics")).body).toMatch(/^engram_storage_writes_refused 0$/m);

    // And it still stops when asked, unlike a server stuck in PGlite's loop.
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    server = undefined;
  });
});
