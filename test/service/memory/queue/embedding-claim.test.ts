/**
 * A claim on the embedding queue leases at most the jobs it asked for, on a database whose
 * tables were never analysed (a new server's first backlog): there the planner took the locking
 * subquery for one row and rescanned it per row updated, and a claim of 32 leased all 100 due
 * jobs, so one worker held a whole backlog the others could have shared.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { EmbeddingQueueRepository } from "../../../../src/memory/queue/embedding-queue.repository.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { ADMIN } from "../../../support/factories/key.js";
import { aNote } from "../../../support/factories/memory.js";

let services: ServiceHarness;
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
  const queue = () => new EmbeddingQueueRepository(services.db.em.fork());
  const now = new Date();
  const claims = [];
  for (let i = 0; i < 5; i++) claims.push(await queue().claim(32, 60_000, now));
  expect(claims.map((jobs) => jobs.length)).toEqual([32, 32, 32, 4, 0]);
  // Every job once, none twice.
  expect(new Set(claims.flat().map((job) => job.id))).toEqual(new Set(written));
});
