import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryClient } from "../../support/clients.js";
import { keyFor, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { startReplicatedPostgres, type ReplicatedPostgres } from "../../support/replicated-postgres.js";
import { watchMemories, type WatchedStream } from "../../support/watch.js";

/**
 * Issue 52: the change feed when servers read a replica that replays 300 ms late. 16 writers and
 * 10 watchers on two servers; one server is killed with -9 midway and its watchers resume from
 * their last cursors on its restart: every watcher gets every change once, in order.
 */
let postgres: ReplicatedPostgres;
let database: Awaited<ReturnType<ReplicatedPostgres["createDatabase"]>>;
const dirs: string[] = [];
const servers: EngramProcess[] = [];

beforeAll(async () => {
  postgres = await startReplicatedPostgres(300);
  database = await postgres.createDatabase();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await database?.drop();
  await postgres?.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function spawnServer(dataDir?: string): Promise<EngramProcess> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "engram-replica-feed-")));
  if (dataDir === undefined) dirs.push(dir);
  const server = await spawnEngram({
    dataDir: dir,
    env: { DATABASE_URL: database.url, ENGRAM_READ_DATABASE_URL: database.replicaUrl },
  });
  servers.push(server);
  return server;
}

describe("the change feed with servers reading a lagging replica", () => {
  it("delivers every change to every watcher once and in order, across a kill -9 and resume", async () => {
    const [a, b] = [await spawnServer(), await spawnServer()];
    // Both read the replica (the line each server logs when it starts using one).
    await Promise.all([a, b].map((server) => server.waitForLog("reading from replica")));
    const key = await keyFor(dirs[0] ?? "", database.url);
    const subjectType = "replicated-feed";
    const watch = (server: EngramProcess, afterCursor?: string) =>
      watchMemories(memoryClient(server.baseUrl, key), { filter: { subjectType }, afterCursor });
    const onA = Array.from({ length: 5 }, () => watch(a));
    const onB = Array.from({ length: 5 }, () => watch(b));
    await Promise.all([...onA, ...onB].map((s) => s.opened()));

    const acknowledged: string[] = [];
    const writeRound = (round: number, targets: EngramProcess[]) =>
      Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          const client = memoryClient((targets[w % targets.length] as EngramProcess).baseUrl, key);
          for (let i = 0; i < 5; i++) {
            const content = `round ${round} writer ${w} note ${i}`;
            const res = await client.writeMemory({
              memory: { subjectType, subjectId: `w${w}`, kind: "note", content },
            });
            acknowledged.push(res.memory?.id ?? "");
          }
        }),
      );
    await writeRound(1, [a, b]);
    a.child.kill("SIGKILL");
    await a.exited;
    await Promise.all(onA.map((s) => s.done));
    const restarted = await spawnServer(dirs[0]);
    const resumed = onA.map((s) => watch(restarted, s.cursor));
    await writeRound(2, [restarted, b]);

    const histories: WatchedStream[][] = [
      ...onA.map((s, i) => [s, resumed[i] as WatchedStream]),
      ...onB.map((s) => [s]),
    ];
    const idsOf = (streams: WatchedStream[]) => streams.flatMap((s) => s.changes.map((c) => c.memory?.id ?? ""));
    for (const streams of histories) {
      const last = streams.at(-1) as WatchedStream;
      expect(await last.until(() => acknowledged.every((id) => idsOf(streams).includes(id)), 30_000)).toBe(true);
    }
    // Anything repeated would follow within moments.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const streams of histories) {
      const ids = idsOf(streams);
      expect(ids).toHaveLength(160);
      expect(new Set(ids).size).toBe(160);
      const cursors = streams.flatMap((s) => s.changes.map((c) => BigInt(c.cursor)));
      expect(cursors.every((cursor, i) => i === 0 || cursor > (cursors[i - 1] as bigint))).toBe(true);
    }
    await Promise.all([...resumed, ...onB].map((s) => s.close()));
  });
});
