/**
 * What agents keep doing while an erasure runs: one search and one keyed write in flight at all
 * times, each from a client of its own, until stopped. The same traffic on the idle server just
 * before is the floor each figure is read against. Failures are counted, not thrown: the run
 * goes on so the report can say how many, and the benchmark exits non-zero if any.
 */
import { performance } from "node:perf_hooks";
import { SearchMode } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { auth, memoryClient } from "../load-client.js";
import { AGENTS, note, question, random } from "../load-data.js";
import type { RunningServer } from "../load-server.js";

export interface Calls {
  latencies: number[];
  /** When each call started (performance.now()), beside its latency. */
  starts: number[];
  errors: string[];
  /** Results read, over every search (0 for writes). */
  results: number;
}

export interface Traffic {
  searches: Calls;
  writes: Calls;
  seconds: number;
}

export interface TrafficOptions {
  /** Searches go through an agent's key (its own and shared memories), writes through the admin's. */
  agentKey: string;
  adminKey: string;
  mode: SearchMode;
  /** Seeds the questions and notes, so each window asks and writes different ones. */
  seed: number;
}

const calls = (): Calls => ({ latencies: [], starts: [], errors: [], results: 0 });

/** Starts the traffic; `stop()` lets each call in flight finish and returns what was measured. */
export function startTraffic(server: RunningServer, options: TrafficOptions): { stop(): Promise<Traffic> } {
  let stopping = false;
  const started = performance.now();
  const searches = calls();
  const writes = calls();
  const loop = async (into: Calls, op: (i: number) => Promise<number>) => {
    for (let i = 0; !stopping; i++) {
      const callStarted = performance.now();
      try {
        into.results += await op(i);
        into.latencies.push(performance.now() - callStarted);
        into.starts.push(callStarted);
      } catch (err) {
        into.errors.push(err instanceof Error ? err.message : String(err));
        // A server that refuses everything would otherwise be asked as fast as it can answer.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const searchClient = memoryClient(server);
  const writeClient = memoryClient(server);
  const questions = random(options.seed);
  const notes = random(options.seed + 1);
  const search = async () => {
    let results = 0;
    const request = { query: question(questions), mode: options.mode, topK: 10 };
    for await (const result of searchClient.searchMemories(request, auth(options.agentKey))) {
      if (result.memory !== undefined) results += 1;
    }
    return results;
  };
  // As bench/load.ts's keyed writes: new content for one of 500 contacts' channel preference.
  const write = async (i: number) => {
    const slot = (options.seed * 7 + i) % 500;
    const memory = {
      agentId: AGENTS[slot % AGENTS.length]!,
      subjectType: "contact",
      subjectId: `keyed-${slot}`,
      kind: "preference",
      key: "channel",
      content: note(notes),
    };
    await writeClient.writeMemory({ memory }, auth(options.adminKey));
    return 0;
  };
  const running = Promise.all([loop(searches, search), loop(writes, write)]);
  return {
    async stop() {
      stopping = true;
      await running;
      return { searches, writes, seconds: (performance.now() - started) / 1000 };
    },
  };
}

/** The traffic alone for `seconds`: the floor. */
export async function idleTraffic(server: RunningServer, options: TrafficOptions, seconds: number): Promise<Traffic> {
  const traffic = startTraffic(server, options);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return traffic.stop();
}

/** The longest call that was under way at some time between `from` and `to`. */
export function longestOverlapping(c: Calls, from: number, to: number): number {
  let longest = 0;
  c.latencies.forEach((ms, i) => {
    const start = c.starts[i]!;
    if (start < to && start + ms > from) longest = Math.max(longest, ms);
  });
  return longest;
}
