/**
 * The embedding worker's lease on a claim, on either engine: renewed while a slow batch is
 * embedded, so no other worker takes it and no text is embedded twice; left to run out when a
 * worker stops renewing (it died), so another worker takes the jobs over. Workers look at the
 * queue at a time they are given. Renewals run on real timers over a short lease: a faked clock
 * raced the renewals' database round trips on a loaded machine, and nothing here depends on
 * how late a renewal comes, only that it comes. An idle worker looks again when the first job
 * may be claimed, which for one never tried is now.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import { query, sql } from "../../../src/db/sql.js";
import type { Embedder } from "../../../src/embedding/embedder.js";
import { Embeddings } from "../../../src/embedding/embeddings.js";
import { DEFAULT_WORKER_OPTIONS, EmbeddingWorker, type WorkerOptions } from "../../../src/embedding/worker.js";
import { EmbeddingQueueRepository } from "../../../src/memory/queue/embedding-queue.repository.js";
import { wordHashVector } from "../../support/embedders.js";
import { unique } from "../../engine/search/search-support.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { ADMIN } from "../../support/factories/key.js";
import { aNote } from "../../support/factories/memory.js";

const logger = pino({ level: "silent" });
const LEASE_MS = DEFAULT_WORKER_OPTIONS.leaseMs;

/** Records what it embeds; holds every call at a gate the test opens. */
class GatedEmbedder implements Embedder {
  readonly id = "test:word-hash";
  readonly dimensions = 384;
  readonly embedded: string[] = [];
  /** Resolves when a call reaches the gate (its batch is claimed). */
  readonly reached: Promise<void>;
  private arrive: () => void = () => {};
  private open: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  constructor({ open }: { open: boolean }) {
    this.reached = new Promise((resolve) => (this.arrive = resolve));
    if (open) this.open();
  }
  async ready(): Promise<void> {}
  async embed(texts: string[]): Promise<number[][]> {
    this.arrive();
    await this.gate;
    this.embedded.push(...texts);
    return texts.map(wordHashVector);
  }
  release(): void {
    this.open();
  }
}

let services: ServiceHarness;
beforeAll(async () => {
  // No embedder on the write path: every write commits PENDING, for the workers.
  services = await startServices();
});
afterAll(() => services?.close());

const queue = () => new EmbeddingQueueRepository(services.db.em.fork());

async function workerOn(embedder: Embedder, options: Partial<WorkerOptions> = {}): Promise<EmbeddingWorker> {
  const embeddings = new Embeddings(embedder, { budgetMs: 2_000, logger });
  await embeddings.start(384);
  return new EmbeddingWorker(queue, embeddings, logger, options);
}

async function writePending(contents: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const content of contents) {
    const { memory } = await services.memories(ADMIN).writeMemory({ memory: aNote("ana", content) });
    expect(memory?.embeddingStatus).toBe(EmbeddingStatus.PENDING);
    ids.push(memory!.id);
  }
  return ids;
}

/** Read from the primary, where the workers write. */
async function queued(ids: string[]): Promise<{ status: string; leasedUntil: number }[]> {
  const rows = await query<{ embedding_status: string; embedding_retry_time: Date | string | null }>(
    services.db.em.fork(),
    sql`select embedding_status, embedding_retry_time from memories where id = any(${ids}::uuid[])`,
  );
  return rows.map((r) => ({
    status: r.embedding_status,
    leasedUntil: r.embedding_retry_time === null ? 0 : new Date(r.embedding_retry_time).getTime(),
  }));
}

describe("a claim's lease", () => {
  it("is renewed while its batch is embedded: no other worker takes it, no text is embedded twice", async () => {
    // Unique texts, and the gate opened whatever happens: a retry must not meet this attempt's jobs.
    const contents = ["slow batch one", "slow batch two", "slow batch three"].map((c) => `${c} ${unique("t")}`);
    const ids = await writePending(contents);
    // A lease renewed every 300 ms, so the test sees renewals in about a second.
    const leaseMs = 900;
    const claimedAt = new Date();
    const slow = new GatedEmbedder({ open: false });
    onTestFinished(() => slow.release());
    const first = (await workerOn(slow, { leaseMs })).runOnce(claimedAt);
    await slow.reached;
    // Renewed to past twice the lease: the claim alone held the jobs for one.
    const renewedPast = claimedAt.getTime() + leaseMs * 2;
    await expect.poll(async () => (await queued(ids)).every((j) => j.leasedUntil >= renewedPast)).toBe(true);

    // Past the first lease, inside the renewed one, another worker finds nothing to take.
    const other = new GatedEmbedder({ open: true });
    expect(await (await workerOn(other, { leaseMs })).runOnce(new Date(claimedAt.getTime() + leaseMs * 1.5))).toBe(0);
    slow.release();
    expect(await first).toBe(3);
    expect((await queued(ids)).map((j) => j.status)).toEqual(contents.map(() => "attached"));
    expect([...slow.embedded, ...other.embedded].sort()).toEqual([...contents].sort());
  });

  it("runs out when nobody renews it, and another worker takes the jobs over", async () => {
    const contents = ["abandoned one", "abandoned two"].map((c) => `${c} ${unique("t")}`);
    const ids = await writePending(contents);
    const claimedAt = Date.now();
    // Claimed as by a worker that died before embedding anything.
    expect(await queue().claim(32, LEASE_MS, new Date(claimedAt))).toHaveLength(2);
    const other = new GatedEmbedder({ open: true });
    const second = await workerOn(other);
    expect(await second.runOnce(new Date(claimedAt + LEASE_MS - 1))).toBe(0);
    expect(await second.runOnce(new Date(claimedAt + LEASE_MS))).toBe(2);
    expect((await queued(ids)).map((j) => j.status)).toEqual(contents.map(() => "attached"));
    expect(other.embedded.sort()).toEqual([...contents].sort());
  });
});

describe("an idle worker's next look", () => {
  it("is now while a job never tried waits: one a claim met locked is taken at the next look", async () => {
    // Without this the worker slept until some other job's lease ran out, or its idle minute.
    const ids = await writePending([`never tried ${unique("t")}`]);
    const next = await queue().nextRetryTime();
    expect(next?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await (await workerOn(new GatedEmbedder({ open: true }))).runOnce()).toBeGreaterThanOrEqual(1);
    expect((await queued(ids)).map((j) => j.status)).toEqual(["attached"]);
  });
});

describe("a running worker's rounds", () => {
  it("claim side by side: a second batch is claimed while the first is embedded", async () => {
    const contents = ["side one", "side two", "side three", "side four"].map((c) => `${c} ${unique("t")}`);
    const ids = await writePending(contents);
    const slow = new GatedEmbedder({ open: false });
    onTestFinished(() => slow.release());
    // Batches of two: with one round at a time, two jobs would wait while the first two embed.
    const worker = await workerOn(slow, { batchSize: 2, rounds: 2 });
    worker.start();
    onTestFinished(() => worker.stop());
    await slow.reached;
    await expect.poll(async () => (await queued(ids)).every((j) => j.leasedUntil > Date.now())).toBe(true);
    slow.release();
    await expect.poll(async () => (await queued(ids)).map((j) => j.status)).toEqual(contents.map(() => "attached"));
    expect([...slow.embedded].sort()).toEqual([...contents].sort());
  });
});
