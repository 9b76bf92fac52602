/**
 * The change feed under load: 16 writers write while 10 watchers follow every change (one
 * WatchMemories stream each, Connect over HTTP/1.1), against the same load with nobody
 * watching, alternated on one server. Prints the delay from each write's acknowledgement to
 * its event (p50, p95, p99 over every watcher), the server's CPU per write with and without
 * watchers, and the CPU each delivered event costs; the embedder alone, per text, is the floor
 * beside them. The server runs as its own process; CPU comes from /proc. On PGlite (the
 * default) or on the Postgres named by DATABASE_URL. Asserts nothing.
 *
 *   npm run bench:watch [-- --writes 25 --rounds 2 --embedder local|none]
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { MemoryService } from "../gen/ts/engram/v1/memory_service_pb.js";
import { embedderFloor } from "./load-floor.js";
import { note, random } from "./load-data.js";
import { cpuMs, newStore, postgresCpuMs, startServer, type RunningServer } from "./load-server.js";
import { fixed, percentile, table } from "./report.js";

const { values } = parseArgs({
  options: {
    writes: { type: "string", default: "25" },
    rounds: { type: "string", default: "2" },
    embedder: { type: "string", default: "local" },
  },
});
const WRITERS = 16;
const WATCHERS = 10;
/** Sequential writes per writer per phase. */
const WRITES = Number(values.writes);
const ROUNDS = Number(values.rounds);
const LOCAL = values.embedder !== "none";
const baseDatabaseUrl = process.env.DATABASE_URL || undefined;
const engine = baseDatabaseUrl ? "Postgres" : "PGlite";
const adminKey = `bench-${randomBytes(16).toString("hex")}`;
const call = { headers: { authorization: `Bearer ${adminKey}` } };
const progress = (line: string) => process.stderr.write(`[bench:watch] ${line}\n`);

function client(server: RunningServer): Client<typeof MemoryService> {
  return createClient(MemoryService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
}

/** A stream following one subject type: when each memory's first event arrived, and how many came. */
class Watcher {
  readonly received = new Map<string, number>();
  events = 0;
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;
  private opened!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.opened = resolve));

  constructor(memories: Client<typeof MemoryService>, subjectType: string) {
    this.done = (async () => {
      try {
        const req = { filter: { subjectType } };
        for await (const { event } of memories.watchMemories(req, { ...call, signal: this.abort.signal })) {
          if (event.case === "heartbeat") this.opened();
          if (event.case !== "change") continue;
          this.events += 1;
          const id = event.value.memory!.id;
          if (!this.received.has(id)) this.received.set(id, performance.now());
        }
      } catch (err) {
        if (!this.abort.signal.aborted) throw err;
      }
    })();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

interface Phase {
  writes: number;
  serverCpuMs: number;
  postgresCpuMs: number;
  seconds: number;
  /** Acknowledgement to event, ms, one per (watcher, write). */
  delays: number[];
  events: number;
}

/** 16 writers write WRITES memories each under a fresh subject type, followed by `watchers` streams. */
async function phase(server: RunningServer, watchers: number, round: number): Promise<Phase> {
  const subjectType = `bench-${round}-${watchers}-${randomBytes(4).toString("hex")}`;
  const streams = Array.from({ length: watchers }, () => new Watcher(client(server), subjectType));
  await Promise.all(streams.map((s) => s.ready));
  const acknowledged = new Map<string, number>();
  const rand = random(round * 1000 + watchers);
  const cpuBefore = cpuMs(server.pid);
  const pgBefore = baseDatabaseUrl ? postgresCpuMs() : 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const memories = client(server);
      for (let i = 0; i < WRITES; i++) {
        const content = note(rand);
        const res = await memories.writeMemory(
          { memory: { subjectType, subjectId: `writer-${w}-${i}`, kind: "note", content } },
          call,
        );
        acknowledged.set(res.memory!.id, performance.now());
      }
    }),
  );
  // Every watcher has every write before the clock stops: delivery is part of the cost.
  for (let wait = 0; streams.some((s) => s.received.size < acknowledged.size) && wait < 600; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const serverCpuMs = cpuMs(server.pid) - cpuBefore;
  const postgres = baseDatabaseUrl ? postgresCpuMs() - pgBefore : 0;
  const delays: number[] = [];
  for (const stream of streams) {
    for (const [id, ackedAt] of acknowledged) {
      const at = stream.received.get(id);
      // An event may beat the acknowledgement to the client: that is no delay at all.
      if (at !== undefined) delays.push(Math.max(0, at - ackedAt));
    }
  }
  const events = streams.reduce((n, s) => n + s.events, 0);
  await Promise.all(streams.map((s) => s.close()));
  return { writes: acknowledged.size, serverCpuMs, postgresCpuMs: postgres, seconds, delays, events };
}

const sum = (phases: Phase[], pick: (p: Phase) => number) => phases.reduce((n, p) => n + pick(p), 0);

async function main(): Promise<void> {
  const store = await newStore(baseDatabaseUrl, "engram-bench-watch-");
  const server = await startServer({
    dataDir: store.dataDir,
    databaseUrl: store.databaseUrl,
    embedder: LOCAL ? "local" : "none",
    adminKey,
  });
  const quiet: Phase[] = [];
  const watched: Phase[] = [];
  try {
    // A warm-up, then the two loads alternated, so that drift on a shared machine hits both.
    await phase(server, 0, -1);
    for (let round = 0; round < ROUNDS; round++) {
      progress(`round ${round + 1}/${ROUNDS}: no watchers`);
      quiet.push(await phase(server, 0, round));
      progress(`round ${round + 1}/${ROUNDS}: ${WATCHERS} watchers`);
      watched.push(await phase(server, WATCHERS, round));
    }
  } finally {
    await server.stop();
    await store.drop();
  }
  const rand = random(7);
  const texts = Array.from({ length: 30 }, () => note(rand));
  const floor = LOCAL ? await embedderFloor(texts, texts) : undefined;

  const delays = watched.flatMap((p) => p.delays);
  const expected = sum(watched, (p) => p.writes) * WATCHERS;
  const perWrite = (phases: Phase[]) => sum(phases, (p) => p.serverCpuMs) / sum(phases, (p) => p.writes);
  const pgPerWrite = (phases: Phase[]) => sum(phases, (p) => p.postgresCpuMs) / sum(phases, (p) => p.writes);
  const events = sum(watched, (p) => p.events);
  const deliveryCpu = sum(watched, (p) => p.serverCpuMs) - perWrite(quiet) * sum(watched, (p) => p.writes);

  console.log(
    `\nEngram change feed on ${engine}: ${WRITERS} writers x ${WRITES} writes per phase, ${ROUNDS} rounds, embedder ${LOCAL ? "local" : "none"}\n`,
  );
  console.log(`Acknowledgement to event, ${WATCHERS} watchers (${delays.length} of ${expected} events timed):\n`);
  console.log(
    table(
      ["", "p50 ms", "p95 ms", "p99 ms", "max ms"],
      [
        [
          "delay",
          fixed(percentile(delays, 50), 1),
          fixed(percentile(delays, 95), 1),
          fixed(percentile(delays, 99), 1),
          fixed(Math.max(...delays), 1),
        ],
      ],
    ),
  );
  console.log(`\nServer CPU (and Postgres CPU) per write, ms:\n`);
  const rows: (string | number)[][] = [
    [
      "no watchers",
      fixed(perWrite(quiet), 2),
      fixed(pgPerWrite(quiet), 2),
      fixed(sum(quiet, (p) => p.writes) / sum(quiet, (p) => p.seconds), 1),
      "1.00",
    ],
    [
      `${WATCHERS} watchers`,
      fixed(perWrite(watched), 2),
      fixed(pgPerWrite(watched), 2),
      fixed(sum(watched, (p) => p.writes) / sum(watched, (p) => p.seconds), 1),
      fixed(perWrite(watched) / perWrite(quiet), 2),
    ],
  ];
  if (floor) rows.push(["floor: embedder alone, 1 text", fixed(floor.query.cpuMs, 2), "", "", ""]);
  console.log(table(["", "server ms/write", "postgres ms/write", "writes/s", "server x no watchers"], rows));
  console.log(
    `\nDelivery: ${events} events, ${fixed(deliveryCpu / Math.max(1, events), 3)} server CPU ms per delivered event (the watched phases' CPU beyond what their writes cost unwatched)`,
  );
}

await main();
