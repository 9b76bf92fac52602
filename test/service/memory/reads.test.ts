/**
 * Reading back through the real MemoryService, without HTTP: pages that cover a subject
 * exactly once, agents' private memories, keyword search, and deletes that can be undone.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryState, Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

describe("ListMemories", () => {
  it("pages through a subject's memories, each exactly once, newest first", async () => {
    const client = services.memories();
    const subjectId = randomUUID();
    const written: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { memory } = await client.writeMemory({
        memory: { subjectType: "deal", subjectId, kind: "event", content: `event ${i}` },
      });
      written.push(memory?.id ?? "");
    }
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await client.listMemories({ filter: { subjectType: "deal", subjectId }, pageSize: 3, pageToken });
      expect(page.memories.length).toBeLessThanOrEqual(3);
      seen.push(...page.memories.map((m) => m.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual([...written].reverse());
  });

  it("refuses a page token that was not issued as INVALID_ARGUMENT", async () => {
    const err = await services
      .memories()
      .listMemories({ pageToken: "forged" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  });
});

describe("agents' private memories", () => {
  it("are visible to their agent and admins, and not found for another agent", async () => {
    const subjectId = randomUUID();
    const mine = await services.memories({ agentId: "agent-a" }).writeMemory({
      memory: { subjectType: "user", subjectId, kind: "fact", content: "likes tea", visibility: Visibility.PRIVATE },
    });
    const id = mine.memory?.id ?? "";
    await expect(services.memories({ agentId: "agent-a" }).getMemory({ id })).resolves.toBeDefined();
    await expect(services.memories({ scopes: ["admin", "memory:read"] }).getMemory({ id })).resolves.toBeDefined();
    const err = await services
      .memories({ agentId: "agent-b" })
      .getMemory({ id })
      .catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });
});

describe("SearchMemories without an embedder", () => {
  it("answers by keyword, best match first, and says so on every hit", async () => {
    const client = services.memories();
    const subjectId = randomUUID();
    for (const content of ["invoice overdue since March", "invoice paid", "met at the conference"]) {
      await client.writeMemory({ memory: { subjectType: "account", subjectId, kind: "note", content } });
    }
    const hits = [];
    for await (const hit of client.searchMemories({ query: "overdue invoice", filter: { subjectId } })) hits.push(hit);
    expect(hits.map((h) => h.memory?.content)).toEqual(["invoice overdue since March", "invoice paid"]);
    expect(hits.map((h) => h.rank)).toEqual([1, 2]);
    expect(hits.every((h) => h.mode === SearchMode.KEYWORD)).toBe(true);
  });
});

describe("delete and undelete", () => {
  it("hide a memory from lists until it is undeleted", async () => {
    const client = services.memories({ scopes: ["admin", "memory:read", "memory:write"] });
    const subjectId = randomUUID();
    const { memory } = await client.writeMemory({
      memory: { subjectType: "user", subjectId, kind: "fact", content: "moved to Lisbon" },
    });
    const id = memory?.id ?? "";
    const deleted = await client.deleteMemory({ id, reason: "wrong person" });
    expect(deleted.memory).toMatchObject({ state: MemoryState.DELETED, forgetReason: "wrong person" });
    expect((await client.listMemories({ filter: { subjectId } })).memories).toEqual([]);
    await client.undeleteMemory({ id });
    expect((await client.listMemories({ filter: { subjectId } })).memories.map((m) => m.id)).toEqual([id]);
  });
});
