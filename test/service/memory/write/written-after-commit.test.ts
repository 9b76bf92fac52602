/**
 * MemoryService tells onWritten (which feeds the table statistics) how many memories a write
 * changed, after its transaction commits: a write that rolls back has changed nothing.
 */
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRepository } from "../../../../src/memory/memory.repository.js";
import type { MemoryRecord } from "../../../../src/memory/record.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { ADMIN } from "../../../support/factories/key.js";

/** Memories whose soft delete and undelete fail, as a statement can. */
class FailingDeletes extends MemoryRepository {
  static failing = false;
  constructor(em: EntityManager) {
    super(em);
  }
  override async setDeleted(...args: Parameters<MemoryRepository["setDeleted"]>): Promise<MemoryRecord> {
    if (FailingDeletes.failing) throw new Error("the statement failed");
    return super.setDeleted(...args);
  }
}

const written: number[] = [];
let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({
    memory: { onWritten: (count) => written.push(count), repositories: { memories: (em) => new FailingDeletes(em) } },
  });
});
afterAll(() => services.close());

describe("onWritten", () => {
  it("hears of a delete and an undelete once they committed, and of neither when they roll back", async () => {
    const client = services.memories(ADMIN);
    const { memory } = await client.writeMemory({ memory: { subjectType: "contact", kind: "note", content: "kept" } });
    const id = memory?.id ?? "";
    written.length = 0;

    FailingDeletes.failing = true;
    await expect(client.deleteMemory({ id })).rejects.toThrow();
    expect(written).toEqual([]);

    FailingDeletes.failing = false;
    await client.deleteMemory({ id });
    expect(written).toEqual([1]);
    await client.deleteMemory({ id });
    expect(written).toEqual([1]);

    FailingDeletes.failing = true;
    await expect(client.undeleteMemory({ id })).rejects.toThrow();
    expect(written).toEqual([1]);
    FailingDeletes.failing = false;
    await client.undeleteMemory({ id });
    expect(written).toEqual([1, 1]);
  });
});
