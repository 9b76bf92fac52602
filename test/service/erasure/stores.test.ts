/**
 * EraseMemories removes a memory from every store: its row and vector, its revisions, its
 * change-log entries (a tombstone in their place), the staged writes and recorded responses that
 * name it, its entity mentions, and the entities and merges only it gave. Each store is checked
 * on its own, so a store the erasure skipped fails its own test.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { EraseMemoriesRequestSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Scope } from "../../../src/auth/principal.js";
import { codeOf } from "../../support/codes.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { anAgentId } from "../../support/factories/key.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const ERASER: Scope[] = ["memory:read", "memory:write", "memory:erase"];

/** Rows of a table that name the memory, by the column that does. */
async function rowsNaming(table: string, column: string, id: string): Promise<number> {
  const rows = await services.db.em
    .fork()
    .execute<{ n: string }[]>(`select count(*) as n from ${table} where ${column}::text = ?`, [id]);
  return Number(rows[0]!.n);
}

async function erase(agentId: string, req: MessageInitShape<typeof EraseMemoriesRequestSchema>) {
  const events = [];
  for await (const event of services.memories({ scopes: ERASER, agentId }).eraseMemories(req)) {
    events.push(event);
  }
  const last = events.at(-1)!.event;
  if (last.case !== "receipt") throw new Error("the erasure ended without a receipt");
  return { receipt: last.value, progress: events.slice(0, -1) };
}

let agent: string;
let subjectId: string;
beforeEach(() => {
  agent = anAgentId();
  subjectId = `zq-${randomUUID()}`;
});

/** A memory with a past: written with a request id, then updated (two revisions, two changes). */
async function aMemoryWithHistory(content = "Zelda Quarrington prefers calls on Tuesdays") {
  const memories = services.memories({ agentId: agent });
  const written = await memories.writeMemory({
    memory: { subjectType: "contact", subjectId, kind: "note", content },
    requestId: randomUUID(),
  });
  const id = written.memory!.id;
  await memories.updateMemory({ id, memory: { title: "Calls" }, updateMask: { paths: ["title"] } });
  return id;
}

describe("EraseMemories by ids", () => {
  it("removes the memory row, its revisions and its change-log entries, leaving one tombstone", async () => {
    const id = await aMemoryWithHistory();
    expect(await rowsNaming("memory_revisions", "memory_id", id)).toBe(2);
    const { receipt, progress } = await erase(agent, { ids: [id] });
    expect(await rowsNaming("memories", "id", id)).toBe(0);
    expect(await rowsNaming("memory_revisions", "memory_id", id)).toBe(0);
    const changes = await services.db.em
      .fork()
      .execute<{ erased: boolean; revision: string }[]>(
        "select erased, revision from memory_changes where memory_id = ?",
        [id],
      );
    expect(changes).toEqual([{ erased: true, revision: expect.anything() }]);
    expect(Number(receipt.counts!.memories)).toBe(1);
    expect(Number(receipt.counts!.revisions)).toBe(2);
    expect(Number(receipt.counts!.changes)).toBe(2);
    expect(receipt.complete).toBe(true);
    expect(progress.map((p) => p.event.case)).toEqual(["progress"]);
  });

  it("removes the recorded response of the request that wrote it", async () => {
    const id = await aMemoryWithHistory();
    expect(await responsesNaming(id)).toBe(1);
    const { receipt } = await erase(agent, { ids: [id] });
    expect(await responsesNaming(id)).toBe(0);
    expect(Number(receipt.counts!.writeRequests)).toBe(1);
  });

  it("refuses ids it may not read or change, erasing none of the request", async () => {
    const mine = await aMemoryWithHistory();
    const other = anAgentId();
    const theirs = (
      await services.memories({ agentId: other }).writeMemory({
        memory: { subjectType: "contact", subjectId, kind: "note", content: "Private to another agent" },
      })
    ).memory!.id;
    expect(await codeOf(erase(agent, { ids: [mine, theirs] }))).toBe("NotFound");
    expect(await codeOf(erase(agent, { ids: [mine, randomUUID()] }))).toBe("NotFound");
    expect(await codeOf(erase(agent, { ids: [mine, "not-a-uuid"] }))).toBe("NotFound");
    expect(await rowsNaming("memories", "id", mine)).toBe(1);
    expect(await rowsNaming("memories", "id", theirs)).toBe(1);
  });
});

async function responsesNaming(id: string): Promise<number> {
  const rows = await services.db.em
    .fork()
    .execute<{ n: string }[]>(
      "select count(*) as n from write_requests where position(convert_to(?, 'UTF8') in response) > 0",
      [id],
    );
  return Number(rows[0]!.n);
}
