/**
 * The background writers while free space is under the reserve, on either engine: the
 * embedding worker claims and stores nothing, the sweeper purges nothing and table statistics
 * are not refreshed (each writes to the database); all three go on once space is back.
 */
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import { query, sql } from "../../../src/db/sql.js";
import { StorageReserve } from "../../../src/db/storage-reserve.js";
import { DEFAULT_TABLE_STATISTICS_OPTIONS, TableStatistics } from "../../../src/db/table-statistics.js";
import { Embeddings } from "../../../src/embedding/embeddings.js";
import { EmbeddingWorker } from "../../../src/embedding/worker.js";
import { EmbeddingQueueRepository } from "../../../src/memory/queue/embedding-queue.repository.js";
import { startSweeper } from "../../../src/memory/queue/sweeper.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { ADMIN } from "../../support/factories/key.js";
import { aNote } from "../../support/factories/memory.js";

const logger = pino({ level: "silent" });
const RESERVE = 64 * 1024 * 1024;
let free = 0;
const storage = new StorageReserve({ reserveBytes: RESERVE, freeSpace: async () => free, logger });
const paused = () => storage.full;

async function setFree(bytes: number): Promise<void> {
  free = bytes;
  await storage.measure();
}

let services: ServiceHarness;
beforeAll(async () => {
  // No embedder on the write path: every write commits PENDING, for the worker.
  services = await startServices({ storage });
});
afterAll(() => services?.close());
afterEach(() => vi.useRealTimers());

const memories = () => services.memories(ADMIN);

describe("below the reserve", () => {
  it("the embedding worker attaches no vector until space is back", async () => {
    await setFree(2 * RESERVE);
    const { memory } = await memories().writeMemory({ memory: aNote("ana", "waiting for a vector") });
    expect(memory?.embeddingStatus).toBe(EmbeddingStatus.PENDING);
    const embeddings = new Embeddings(new WordHashEmbedder(), { budgetMs: 2_000, logger });
    await embeddings.start(384);
    const queue = () => new EmbeddingQueueRepository(services.db.em.fork());
    const worker = new EmbeddingWorker(queue, embeddings, logger, { paused });

    await setFree(RESERVE - 1);
    expect(await worker.runOnce()).toBe(0);
    expect((await memories().getMemory({ id: memory!.id })).memory?.embeddingStatus).toBe(EmbeddingStatus.PENDING);

    await setFree(RESERVE);
    expect(await worker.runOnce()).toBe(1);
    expect((await memories().getMemory({ id: memory!.id })).memory?.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
  });

  it("the sweeper purges nothing until space is back", async () => {
    await setFree(2 * RESERVE);
    const { memory } = await memories().writeMemory({ memory: aNote("ana", "deleted, past its retention") });
    await memories().deleteMemory({ id: memory!.id });
    const exists = async () =>
      (await query(services.db.em.fork(), sql`select id from memories where id = ${memory!.id}`)).length === 1;

    // Only the sweeper's interval is simulated; the sweep itself runs on the real database.
    const round = async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      const sweeper = startSweeper(services.db.em, {
        retention: { memoryDays: 0, changeDays: 7 },
        intervalSeconds: 60,
        logger,
        paused,
      });
      vi.advanceTimersByTime(60_000);
      await sweeper.stop();
      vi.useRealTimers();
    };
    await setFree(0);
    await round();
    expect(await exists()).toBe(true);
    await setFree(RESERVE);
    await round();
    expect(await exists()).toBe(false);
  });

  it("table statistics are not refreshed (ANALYZE writes) until space is back", async () => {
    const em = services.db.em.fork();
    await query(em, sql`create table storage_reserve_probe (id int)`);
    await query(em, sql`insert into storage_reserve_probe select generate_series(1, 10)`);
    const rows = async () =>
      Number(
        (
          await query<{ n: number | string }>(
            services.db.em.fork(),
            sql`select reltuples as n from pg_class where relname = 'storage_reserve_probe'`,
          )
        )[0]?.n,
      );
    const statistics = new TableStatistics(services.db.em, "storage_reserve_probe", logger, {
      ...DEFAULT_TABLE_STATISTICS_OPTIONS,
      paused,
    });
    // -1: never analysed.
    await setFree(0);
    await statistics.analyze();
    expect(await rows()).toBe(-1);
    await setFree(RESERVE);
    await statistics.analyze();
    expect(await rows()).toBe(10);
  });
});
