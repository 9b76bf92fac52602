/**
 * The model host over a real worker thread running a toy model (test/support/toy-model-worker.ts):
 * it loads the model on first use and reports its state, starts the thread again after it died,
 * retries a failed load only after a wait, sheds work beyond its limit, drops the calls of callers
 * that went away, and runs the thread at the nice value it was given.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { getPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ModelHost, type ModelHostOptions } from "./model-host.js";
import type { ToyData, ToyRequest, ToyResult } from "../../test/support/toy-model-worker.js";

let dir = "";
const hosts: ModelHost<ToyData, ToyRequest, ToyResult>[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "engram-model-host-"));
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A host of the toy model whose weights are at `name` in the test's directory, with `factor` when given. */
async function toyHost(
  name: string,
  factor: number | undefined,
  options: Partial<ModelHostOptions<ToyData>> = {},
): Promise<ModelHost<ToyData, ToyRequest, ToyResult>> {
  const path = join(dir, name);
  if (factor !== undefined) await writeFile(path, JSON.stringify({ factor }));
  const host = new ModelHost<ToyData, ToyRequest, ToyResult>({
    entry: new URL("../../test/support/toy-model-worker.ts", import.meta.url),
    description: "the toy model's thread",
    data: { path },
    ...options,
  });
  hosts.push(host);
  return host;
}

/** A host whose weights are missing, recording the retry waits it reports, with Date under the test's control. */
async function unloadableHost(name: string) {
  vi.useFakeTimers({ toFake: ["Date"] });
  const failures: number[] = [];
  const host = await toyHost(name, undefined, { onLoadFailure: (_, seconds) => failures.push(seconds) });
  return { host, failures };
}

const multiplied = async (host: ModelHost<ToyData, ToyRequest, ToyResult>, numbers: number[], stepMs = 0) =>
  Array.from((await host.call({ numbers, stepMs })).products);

describe("ModelHost", () => {
  it("loads the model on its thread at the first call, reporting idle, loading, then ready", async () => {
    const host = await toyHost("loads.json", 3);
    expect(host.state).toBe("idle");
    const answer = multiplied(host, [1, 2]);
    expect(host.state).toBe("loading");
    expect(await answer).toEqual([3, 6]);
    expect(host.state).toBe("ready");
    await host.close();
    expect(host.state).toBe("idle");
    expect(await multiplied(host, [4])).toEqual([12]);
  });

  it("starts the thread again after it died during a call, and after it died between calls", async () => {
    const host = await toyHost("restarts.json", 2);
    await host.ready();
    await expect(host.call({ exit: true })).rejects.toThrow("the toy model's thread has stopped");
    expect(host.state).toBe("idle");
    expect(await multiplied(host, [5])).toEqual([10]);

    const thread = (host as unknown as { current: { terminate(): Promise<void> } }).current;
    await thread.terminate();
    expect(host.state).toBe("idle");
    expect(await multiplied(host, [6])).toEqual([12]);
    expect(host.state).toBe("ready");
  });

  it("repeats a failed load's error without loading again until its retry time, then loads again", async () => {
    const { host, failures } = await unloadableHost("retried.json");
    const first = await host.ready().catch((err: unknown) => err);
    expect(first).toMatchObject({ message: expect.stringContaining("ENOENT") });
    expect(host.state).toBe("failed");
    // The weights arrive, but the next attempt waits its turn: the same error, no new load.
    await writeFile(join(dir, "retried.json"), JSON.stringify({ factor: 7 }));
    expect(await host.ready().catch((err: unknown) => err)).toBe(first);
    expect(failures).toEqual([5]);
    vi.setSystemTime(Date.now() + 5_000);
    expect(await multiplied(host, [1])).toEqual([7]);
    expect(host.state).toBe("ready");
  });

  it("waits longer after each failure in a row", async () => {
    const { host, failures } = await unloadableHost("broken.json");
    await writeFile(join(dir, "broken.json"), "{}");
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(host.ready()).rejects.toThrow("is not a toy model");
      vi.setSystemTime(Date.now() + 60_000);
    }
    expect(failures).toEqual([5, 10, 20]);
  });

  it("sheds a call that would make more than its limit wait, and always takes one that finds nothing waiting", async () => {
    const busy = (waiting: number) => new Error(`busy: ${waiting} waiting`);
    const host = await toyHost("shed.json", 1, { shed: { limit: 10, busy } });
    await host.ready();
    // Larger than the limit, but nothing waits: taken.
    const big = host.call({ numbers: [1], stepMs: 50 }, { cost: 12 });
    await expect(host.call({ numbers: [2] }, { cost: 1 })).rejects.toThrow("busy: 12 waiting");
    await big;
    const held = host.reserve(6);
    expect(host.waiting).toBe(6);
    const fits = host.call({ numbers: [3] }, { cost: 4 });
    expect(host.reserve(1)).toBeNull();
    held?.release();
    held?.release();
    expect(host.waiting).toBe(4);
    await fits;
    expect(host.waiting).toBe(0);
  });

  it("drops a waiting call whose caller went away, and stops a running one at its next step", async () => {
    const host = await toyHost("cancelled.json", 1);
    await host.ready();
    const gone = new AbortController();
    const settled: string[] = [];
    // 100 steps of 20 ms: two seconds of work unless it stops.
    const running = host.call(
      { numbers: Array.from({ length: 100 }, (_, i) => i), stepMs: 20 },
      { signal: gone.signal },
    );
    const waiting = host.call({ numbers: [1] }, { signal: gone.signal }).finally(() => settled.push("waiting"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    gone.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    // The thread stopped the running call a few steps in, not after its hundred.
    expect((await host.call({ lastSteps: true })).steps).toBeLessThan(100);
    expect(await multiplied(host, [9])).toEqual([9]);
    await expect(host.call({ numbers: [1] }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("runs its thread at the nice value it is given, never above the process's priority, and leaves the process's own", async () => {
    const own = getPriority();
    const niced = await toyHost("niced.json", 1, { nice: 10 });
    expect((await niced.call({ numbers: [] })).nice).toBe(Math.max(own, 10));
    // Asked for a higher priority than the process has, it keeps the process's.
    const raised = await toyHost("raised.json", 1, { nice: own - 1 });
    expect((await raised.call({ numbers: [] })).nice).toBe(own);
    expect(getPriority()).toBe(own);
  });
});
