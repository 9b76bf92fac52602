/**
 * GetMemoryStats through the real MemoryService: an admin's own workspace only, by state and
 * embedding status, with the server's embedder.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { ADMIN } from "../../../support/factories/key.js";
import { aNoteWrite, type WriteOptions } from "../../../support/factories/memory.js";
import { aServiceWorkspace, aWorkspaceId } from "../../../support/factories/workspace.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

describe("GetMemoryStats", () => {
  it("counts the admin's workspace by state and embedding status, and no other workspace", async () => {
    const writer = services.memories(ADMIN);
    const write = (content: string, request: WriteOptions = {}) =>
      writer.writeMemory(aNoteWrite("stats", content, {}, request));
    await write("renewal due in March");
    await write("asked for a discount");
    const dropped = await write("moved to another team");
    await writer.deleteMemory({ id: dropped.memory!.id });
    await write("trial ends soon", { ttl: { seconds: 1n } });
    const replaced = await write("budget owner is Dana");
    await write("budget owner is Lee", { supersedes: [replaced.memory!.id] });
    // Another workspace's memories are not counted.
    const elsewhere = services.memories({ workspaceId: aWorkspaceId() });
    await elsewhere.writeMemory({ memory: { subjectType: "contact", kind: "note", content: "not counted" } });
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const stats = await services.memories(ADMIN).getMemoryStats({});
    expect(stats).toMatchObject({
      workspaceId: services.workspaceId,
      active: 3n,
      deleted: 1n,
      expired: 1n,
      superseded: 1n,
      // No embedder here: every memory waits for a vector, except the deleted one.
      embeddingBacklog: 5n,
      embeddingFailed: 0n,
      embeddingModel: "",
      embedderConfigured: false,
    });
  });

  it("names the kinds and owner agents of active memories, most first, and counts creations per day", async () => {
    const admin = services.memories(aServiceWorkspace().admin);
    const write = (kind: string, agentId: string, content: string) =>
      admin.writeMemory({ memory: { subjectType: "contact", kind, agentId, content } });
    await write("note", "ana", "one");
    await write("note", "ana", "two");
    await write("note", "", "three");
    await write("pitch", "bo", "four");
    const deleted = await write("pitch", "bo", "five");
    await admin.deleteMemory({ id: deleted.memory!.id });

    const stats = await admin.getMemoryStats({});
    const plain = (counts: { name: string; count: bigint }[]) => counts.map((c) => [c.name, c.count]);
    // Active memories only: the deleted pitch is not counted.
    expect(plain(stats.kinds)).toEqual([
      ["note", 3n],
      ["pitch", 1n],
    ]);
    expect(plain(stats.agents)).toEqual([
      ["ana", 2n],
      ["", 1n],
      ["bo", 1n],
    ]);
    expect(stats.createdByDay).toHaveLength(30);
    const days = stats.createdByDay.map((d) => d.day);
    expect(days.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))).toBe(true);
    expect([...days].sort()).toEqual(days);
    expect(new Set(days).size).toBe(30);
    // Every write above was a creation, the deleted one included.
    expect(stats.createdByDay.reduce((n, d) => n + d.count, 0n)).toBe(5n);
  });

  it("is for admins: a key with memory scopes only is refused as PERMISSION_DENIED", async () => {
    const denied = await services
      .memories()
      .getMemoryStats({})
      .catch((err: unknown) => ConnectError.from(err));
    expect(denied).toBeInstanceOf(ConnectError);
    expect((denied as ConnectError).code).toBe(Code.PermissionDenied);
  });
});
