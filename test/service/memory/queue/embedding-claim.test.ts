/**
 * A claim on the embedding queue leases at most the jobs it asked for, on a database whose
 * tables were never analysed (a new server's first backlog): there the planner took the locking
 * subquery for one row and rescanned it per row updated, and a claim of 32 leased all 100 due
 * jobs, so one worker held a whole backlog the others could have shared. Jobs are taken in the
 * order they became due: a job whose lease ran out before a newer write was made goes first.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { EmbeddingQueueRepository } from "../../../../src/memory/queue/embedding-queue.repository.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { ADMIN } from "../../../support/factories/key.js";
import { aNote } from "../../../support/factories/memory.js";

let services: ServiceHarness;
const queue = () => new EmbeddingQueueRepository(services.db.em.fork());
beforeAll(async () => {
  // A database of its own, never analysed, and no embedder: every write commits PENDING.
  services = await startServices();
});
afterAll(() => services?.close());

it("leases at most the jobs asked for, and the rest to the next claims", async () => {
  const { results } = await services.memories(ADMIN).batchWriteMemories({
    requests: Array.from({ length: 100 }, (_, i) => ({ memory: aNote("ana", `backlog item ${i}`) })),
  });
  const written = results.map((r) => (r.result.case === "response" ? r.result.value.memory!.id : ""));
  const now = new Date();
  const claims = [];
  for (let i = 0; i < 5; i++) claims.push(await queue().claim(32, 60_000, now));
  expect(claims.map((jobs) => jobs.length)).toEqual([32, 32, 32, 4, 0]);
  // Every job once, none twice.
  expect(new Set(claims.flat().map((job) => job.id))).toEqual(new Set(written));
});

it("takes jobs in the order they became due, and waits for the first lease to run out", async () => {
  const write = async (content: string) => {
    const { memory } = await services.memories(ADMIN).writeMemory({ memory: aNote("bo", content) });
    return memory!.id;
  };
  // Claims made an hour from now: what the first test left is leased for an hour from then.
  const start = new Date(Date.now() + 3_600_000);
  while ((await queue().claim(32, 3_600_000, start)).length > 0);
  const leased = await write("leased for a minute");
  expect((await queue().claim(32, 60_000, start)).map((job) => job.id)).toEqual([leased]);
  expect(await queue().nextRetryTime()).toEqual(new Date(start.getTime() + 60_000));
  // Written after the job above, and due since it was written: before that job's lease runs out.
  const newer = await write("written after the claim");
  expect((await queue().nextRetryTime())!.getTime()).toBeLessThanOrEqual(Date.now());
  const later = new Date(start.getTime() + 120_000);
  expect((await queue().claim(1, 60_000, later)).map((job) => job.id)).toEqual([newer]);
  expect((await queue().claim(1, 60_000, later)).map((job) => job.id)).toEqual([leased]);
});
