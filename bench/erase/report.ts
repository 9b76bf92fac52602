/** bench/erase.ts's tables, and the one-line JSON summary that ends its output. */
import { fixed, percentile, table } from "../report.js";
import type { Expected } from "./data.js";
import { countsOf, cpuTotal } from "./erasure.js";
import type { Phase } from "./phase.js";
import { longestOverlapping, type Calls, type Traffic } from "./traffic.js";

export interface RunInfo {
  engine: string;
  date: string;
  memories: number;
  background: number;
  updates: number;
  /** What the searches are: HYBRID with the local embedder, KEYWORD without one. */
  mode: string;
  embedder: string;
  databaseCpu: string;
  loadSeconds: number;
  floorSeconds: number;
  afterSeconds: number;
}

const ms = (n: number) => fixed(n, 1);
const STORES: (keyof Expected)[] = [
  "memories",
  "revisions",
  "changes",
  "stagedWrites",
  "writeRequests",
  "mentions",
  "entities",
  "entityMerges",
];

function latencies(c: Calls) {
  const at = (p: number) => percentile(c.latencies, p);
  return { p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

function trafficRow(name: string, calls: Calls, t: Traffic, searches: boolean): string[] {
  const l = latencies(calls);
  const n = calls.latencies.length;
  const results = searches ? fixed(calls.results / Math.max(1, n), 1) : "-";
  return [
    name,
    String(n),
    fixed(n / t.seconds, 1),
    ms(l.p50),
    ms(l.p95),
    ms(l.p99),
    ms(l.max),
    results,
    String(calls.errors.length),
  ];
}

export function report(info: RunInfo, phases: Phase[], failures: string[]): string {
  const out: string[] = [];
  const say = (line = "") => out.push(line);
  say(`## ${info.engine}, ${info.memories} memories (${info.background} background), ${info.date}`);
  say();
  say(
    `Loaded in ${fixed(info.loadSeconds, 0)} s through BatchWriteMemories (embedder ${info.embedder}; ` +
      `${info.updates} memories of the erased sets written twice). Searches ${info.mode} top 10 with an agent's key; ` +
      `floor: the same traffic for ${info.floorSeconds} s on the idle server just before each erasure; ` +
      `after: for ${info.afterSeconds} s after its receipt (PGlite scrubs its files 10 s after an erasure). ` +
      `Database CPU: ${info.databaseCpu}.`,
  );
  say();
  say(
    table(
      [
        "erasure",
        "batches",
        "s",
        "memories/s",
        "batch p50 ms",
        "batch max ms",
        "after last batch ms",
        "server CPU ms",
        "db CPU ms",
        "erasure CPU ms, est.",
        "per memory",
        "dry run s",
      ],
      phases.map((p) => {
        const n = p.set.size;
        return [
          `${n} by tag`,
          String(p.erasure.receipt.batches),
          fixed(p.erasure.seconds, 2),
          fixed(n / p.erasure.seconds, 0),
          ms(percentile(p.erasure.batchMs, 50)),
          ms(percentile(p.erasure.batchMs, 100)),
          ms(p.erasure.endedAt - p.erasure.lastBatchAt),
          fixed(p.cpu.serverMs, 0),
          fixed(p.cpu.databaseMs, 0),
          fixed(p.erasureCpuMs, 0),
          fixed(p.erasureCpuMs / n, 2),
          fixed(p.dry.seconds, 2),
        ];
      }),
    ),
  );
  say();
  say(
    table(
      ["receipt counts", ...STORES, "as written"],
      phases.map((p) => {
        const got = countsOf(p.erasure.receipt);
        const same = STORES.every((s) => got[s] === p.set.expected[s]);
        return [`${p.set.size} by tag`, ...STORES.map((s) => String(got[s])), same ? "yes" : "NO"];
      }),
    ),
  );
  say();
  say(
    table(
      [
        "traffic (1 search + 1 write in flight)",
        "calls",
        "per s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "results",
        "errors",
      ],
      phases.flatMap((p) => [
        trafficRow(`${p.set.size}: search, idle (floor)`, p.floor.searches, p.floor, true),
        trafficRow(`${p.set.size}: search, during erasure`, p.during.searches, p.during, true),
        trafficRow(`${p.set.size}: search, after (scrub)`, p.after.searches, p.after, true),
        trafficRow(`${p.set.size}: keyed write, idle (floor)`, p.floor.writes, p.floor, false),
        trafficRow(`${p.set.size}: keyed write, during erasure`, p.during.writes, p.during, false),
        trafficRow(`${p.set.size}: keyed write, after (scrub)`, p.after.writes, p.after, false),
      ]),
    ),
  );
  say();
  say(
    table(
      [
        "longest call under way",
        "search, batches",
        "search, after last batch",
        "write, batches",
        "write, after last batch",
      ],
      phases.map((p) => {
        const { endedAt, lastBatchAt, seconds } = p.erasure;
        const began = endedAt - seconds * 1000;
        const { searches, writes } = p.during;
        return [
          `${p.set.size} by tag, ms`,
          ms(longestOverlapping(searches, began, lastBatchAt)),
          ms(longestOverlapping(searches, lastBatchAt, endedAt)),
          ms(longestOverlapping(writes, began, lastBatchAt)),
          ms(longestOverlapping(writes, lastBatchAt, endedAt)),
        ];
      }),
    ),
  );
  say();
  say(failures.length === 0 ? "Replay checks: all passed." : `Replay checks FAILED (${failures.length}):`);
  for (const f of failures.slice(0, 20)) say(`  ${f}`);
  say();
  say(JSON.stringify(summary(info, phases, failures)));
  return out.join("\n") + "\n";
}

function summary(info: RunInfo, phases: Phase[], failures: string[]) {
  const round = (n: number) => Math.round(n * 10) / 10;
  const lat = (c: Calls) => Object.fromEntries(Object.entries(latencies(c)).map(([k, v]) => [k, round(v)]));
  return {
    bench: "erase",
    engine: info.engine,
    date: info.date,
    memories: info.memories,
    mode: info.mode,
    erasures: phases.map((p) => ({
      memories: p.set.size,
      seconds: round(p.erasure.seconds),
      afterLastBatchMs: Math.round(p.erasure.endedAt - p.erasure.lastBatchAt),
      perSecond: Math.round(p.set.size / p.erasure.seconds),
      batches: p.erasure.receipt.batches,
      cpuMs: Math.round(cpuTotal(p.cpu)),
      erasureCpuMsEstimated: Math.round(p.erasureCpuMs),
      counts: countsOf(p.erasure.receipt),
      search: { floor: lat(p.floor.searches), during: lat(p.during.searches), after: lat(p.after.searches) },
      write: { floor: lat(p.floor.writes), during: lat(p.during.writes), after: lat(p.after.writes) },
      errors: [p.floor, p.during, p.after].reduce((n, t) => n + t.searches.errors.length + t.writes.errors.length, 0),
    })),
    failures: failures.length,
  };
}
