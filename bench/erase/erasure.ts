/**
 * One EraseMemories call by tag, read to its receipt, with the time of each progress event:
 * the gap between two is one batch's transaction (and its round trip), and after the last one
 * comes what the server does before the receipt (on PGlite, the scrub of its files).
 */
import { performance } from "node:perf_hooks";
import type { Client } from "@connectrpc/connect";
import type { ErasureReceipt, MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { auth } from "../load-client.js";
import { cpuMs, type RunningServer } from "../load-server.js";
import type { Expected } from "./data.js";
import type { DatabaseCpu } from "./postgres-cpu.js";

export interface Erasure {
  receipt: ErasureReceipt;
  seconds: number;
  /** Client-side ms from the call (then from each progress event) to the next progress event. */
  batchMs: number[];
  /**
   * When (performance.now()) the last progress event came, and the receipt: what lies between is
   * the server's work after the last batch, on PGlite the scrub (VACUUM FULL, checkpoints).
   */
  lastBatchAt: number;
  endedAt: number;
  /** The last progress event's figures. */
  erased: number;
  total: number;
}

export async function eraseTagged(
  client: Client<typeof MemoryService>,
  adminKey: string,
  tag: string,
  dryRun: boolean,
): Promise<Erasure> {
  const started = performance.now();
  let last = started;
  const batchMs: number[] = [];
  let erased = 0;
  let total = 0;
  const request = { filter: { tags: [tag] }, dryRun };
  for await (const { event } of client.eraseMemories(request, auth(adminKey))) {
    if (event.case === "progress") {
      const now = performance.now();
      batchMs.push(now - last);
      last = now;
      erased = Number(event.value.erased);
      total = Number(event.value.total);
    } else if (event.case === "receipt") {
      const endedAt = performance.now();
      const seconds = (endedAt - started) / 1000;
      return { receipt: event.value, seconds, batchMs, lastBatchAt: last, endedAt, erased, total };
    }
  }
  throw new Error("the erasure ended without a receipt");
}

/** The receipt's counts, as numbers under the names data.ts's Expected uses. */
export function countsOf(receipt: ErasureReceipt): Expected {
  const c = receipt.counts;
  return {
    memories: Number(c?.memories ?? 0),
    revisions: Number(c?.revisions ?? 0),
    changes: Number(c?.changes ?? 0),
    stagedWrites: Number(c?.stagedWrites ?? 0),
    writeRequests: Number(c?.writeRequests ?? 0),
    mentions: Number(c?.mentions ?? 0),
    entities: Number(c?.entities ?? 0),
    entityMerges: Number(c?.entityMerges ?? 0),
  };
}

export interface Cpu {
  serverMs: number;
  databaseMs: number;
}

/** CPU of the server process (PGlite's included) and of the database's, from now to `stop()`. */
export function cpuWindow(server: RunningServer, database: DatabaseCpu): { stop(): Cpu } {
  const server0 = cpuMs(server.pid);
  const database0 = database.read();
  return { stop: () => ({ serverMs: cpuMs(server.pid) - server0, databaseMs: database.read() - database0 }) };
}

export const cpuTotal = (c: Cpu) => c.serverMs + c.databaseMs;
