/**
 * Batches through the one write planner: concurrent batches over the same memories never
 * deadlock, however they order and spell their items; a database error about one item's data
 * fails that item alone, any other error fails the batch, and nothing is retried silently.
 */
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WriteOutcome, type BatchWriteResult } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import type { InsertedDrafts } from "../../../../src/memory/memory-writes.js";
import { MemoryRepository } from "../../../../src/memory/memory.repository.js";
import type { MemoryRecord } from "../../../../src/memory/record.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { ADMIN } from "../../../support/factories/key.js";
import { aNoteWrite } from "../../../support/factories/memory.js";

/** Inserts that fail as told: a connection lost, or a check violated by one item's data. */
class FaultyInserts extends MemoryRepository {
  static fault: "none" | "connection" | "poisoned item" = "none";
  static calls = 0;
  constructor(em: EntityManager) {
    super(em);
  }
  override async insertDrafts(inserted: InsertedDrafts): Promise<MemoryRecord[]> {
    FaultyInserts.calls += 1;
    if (FaultyInserts.fault === "connection") throw Object.assign(new Error("connection lost"), { code: "08006" });
    if (FaultyInserts.fault === "poisoned item" && inserted.items.some((i) => i.draft.content.includes("poison"))) {
      throw Object.assign(new Error("check violated"), { code: "23514" });
    }
    return super.insertDrafts(inserted);
  }
}

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ memory: { repositories: { memories: (em) => new FaultyInserts(em) } } });
});
afterAll(() => services.close());

const errors = (results: BatchWriteResult[]) => results.filter((r) => r.result.case === "error");

describe("concurrent batches over the same memories", () => {
  it("take their locks in one order, so none deadlocks, whatever their order, case and spacing", async () => {
    const client = services.memories(ADMIN);
    for (let round = 0; round < 8; round++) {
      const subjectId = `s-${randomUUID()}`;
      const keyed = (key: string) => aNoteWrite(subjectId, `keyed ${key}`, { key });
      const keyless = (content: string) => ({ ...aNoteWrite(subjectId, content), requestId: randomUUID() });
      const batches = [
        [keyed("a"), keyed("b"), keyless("Foo"), keyless("bar")],
        [keyed("b"), keyed("a"), keyless("bar "), keyless("foo")],
        [keyless("FOO"), keyed("a"), keyless("Bar"), keyed("b")],
        [keyless(" bar"), keyed("b"), keyless("foo "), keyed("a")],
      ];
      const answers = await Promise.all(
        batches.flatMap((requests) => [
          client.batchWriteMemories({ requests, atomic: true }).then((r) => r.results),
          client.batchWriteMemories({ requests }).then((r) => r.results),
        ]),
      );
      expect(answers.flatMap(errors)).toEqual([]);
      const listed = await client.listMemories({ filter: { subjectId } });
      // Two keyed memories, and "foo" and "bar" once each: every other write merged or updated.
      expect(listed.memories).toHaveLength(4);
    }
  });
});

describe("a database error in a batch", () => {
  it("about one item's data fails that item alone in a non-atomic batch", async () => {
    const subjectId = `s-${randomUUID()}`;
    FaultyInserts.fault = "poisoned item";
    try {
      const { results } = await services.memories(ADMIN).batchWriteMemories({
        requests: [
          aNoteWrite(subjectId, "fine one"),
          aNoteWrite(subjectId, "poison pill"),
          aNoteWrite(subjectId, "fine two"),
        ],
      });
      expect(
        results.map((r) => (r.result.case === "response" ? WriteOutcome[r.result.value.outcome] : "error")),
      ).toEqual(["CREATED", "error", "CREATED"]);
    } finally {
      FaultyInserts.fault = "none";
    }
    const listed = await services.memories(ADMIN).listMemories({ filter: { subjectId } });
    expect(listed.memories.map((m) => m.content).sort()).toEqual(["fine one", "fine two"]);
  });

  it("of any other kind fails the whole batch, once: it is not retried item by item, and nothing is written", async () => {
    const subjectId = `s-${randomUUID()}`;
    FaultyInserts.fault = "connection";
    FaultyInserts.calls = 0;
    try {
      const err = await services
        .memories(ADMIN)
        .batchWriteMemories({ requests: [aNoteWrite(subjectId, "one"), aNoteWrite(subjectId, "two")] })
        .then(
          () => null,
          (e: unknown) => ConnectError.from(e),
        );
      expect(err?.code).toBe(Code.Internal);
      expect(FaultyInserts.calls).toBe(1);
    } finally {
      FaultyInserts.fault = "none";
    }
    expect((await services.memories(ADMIN).listMemories({ filter: { subjectId } })).memories).toHaveLength(0);
  });
});
