/**
 * One erasure measured: a dry run first (the counts alone, nothing else running), the traffic
 * on the idle server (the floor), then the erasure with the same traffic beside it, and the
 * replay checks of what it says it erased.
 */
import type { Client } from "@connectrpc/connect";
import type { MemoryService, SearchMode } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { RunningServer } from "../load-server.js";
import { erasureFailures, listedAfter } from "./checks.js";
import type { ErasureSet } from "./data.js";
import { cpuTotal, cpuWindow, eraseTagged, type Cpu, type Erasure } from "./erasure.js";
import type { DatabaseCpu } from "./postgres-cpu.js";
import { idleTraffic, startTraffic, type Traffic } from "./traffic.js";

export interface PhaseContext {
  server: RunningServer;
  client: Client<typeof MemoryService>;
  adminKey: string;
  agentKey: string;
  mode: SearchMode;
  database: DatabaseCpu;
  floorSeconds: number;
  /** The traffic's window after the receipt, which the embedded engine's deferred scrub falls in. */
  afterSeconds: number;
}

export interface Phase {
  set: ErasureSet;
  dry: Erasure;
  floor: Traffic;
  floorCpu: Cpu;
  erasure: Erasure;
  during: Traffic;
  /** The same traffic after the receipt: on PGlite the scrub runs 10 s after the erasure. */
  after: Traffic;
  cpu: Cpu;
  /**
   * The erasure's own CPU, estimated: the window's less what its traffic would have cost at the
   * floor's CPU per call (the traffic shares the cores, so it cannot be measured apart); 0 when
   * that leaves nothing, as it can for a short erasure within the 10 ms ticks of /proc.
   */
  erasureCpuMs: number;
  failures: string[];
}

const callsOf = (t: Traffic) => t.searches.latencies.length + t.writes.latencies.length;

export async function erasePhase(ctx: PhaseContext, set: ErasureSet, seed: number): Promise<Phase> {
  const { server, client, adminKey, database } = ctx;
  const traffic = { agentKey: ctx.agentKey, adminKey, mode: ctx.mode };

  const dry = await eraseTagged(client, adminKey, set.tag, true);

  let window = cpuWindow(server, database);
  const floor = await idleTraffic(server, { ...traffic, seed }, ctx.floorSeconds);
  const floorCpu = window.stop();

  const running = startTraffic(server, { ...traffic, seed: seed + 1 });
  window = cpuWindow(server, database);
  // The traffic stops either way, so that a failed erasure does not leave its loops running.
  const outcome = await eraseTagged(client, adminKey, set.tag, false).then(
    (erasure) => ({ erasure }),
    (error: unknown) => ({ error }),
  );
  const cpu = window.stop();
  const during = await running.stop();
  if ("error" in outcome) throw outcome.error;
  const after = await idleTraffic(server, { ...traffic, seed: seed + 2 }, ctx.afterSeconds);
  const { erasure } = outcome;
  const floorPerCall = cpuTotal(floorCpu) / Math.max(1, callsOf(floor));
  return {
    set,
    dry,
    floor,
    floorCpu,
    erasure,
    during,
    after,
    cpu,
    erasureCpuMs: Math.max(0, cpuTotal(cpu) - floorPerCall * callsOf(during)),
    failures: [
      ...erasureFailures(set, dry, erasure, [floor, during, after]),
      ...(await listedAfter(client, adminKey, set)),
    ],
  };
}
