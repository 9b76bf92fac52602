/**
 * Memories from mem0 and Letta files, imported through ImportMemories as `engram import --from`
 * sends them: the history kept, the agents' scoping enforced, and a second import changing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChange, MemoryState } from "../../../gen/ts/engram/v1/memory_pb.js";
import { lettaItems } from "../../../src/importers/letta.js";
import { mem0Items } from "../../../src/importers/mem0.js";
import { codeOf } from "../../support/codes.js";
import { importerFixture } from "../../support/importer-fixtures.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(async () => {
  await services?.close();
});

const admin = { scopes: ["admin" as const] };

describe("importing mem0's memories", () => {
  const items = mem0Items({
    memories: importerFixture("mem0-get-all.json"),
    history: importerFixture("mem0-history.json"),
  });

  it("stores them with their history, and a second import changes nothing", async () => {
    const first = await services.memories(admin).importMemories({ memories: items });
    expect(first).toMatchObject({ created: 5, replaced: 0, unchanged: 0 });
    const again = await services.memories(admin).importMemories({ memories: items });
    expect(again).toMatchObject({ created: 0, replaced: 0, unchanged: 5 });

    const id = "0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f";
    const { memory } = await services.memories(admin).getMemory({ id });
    expect(memory).toMatchObject({ content: "Works at Initech as a data engineer", revision: 2n, subjectId: "alex" });
    const { revisions } = await services.memories(admin).listMemoryRevisions({ id });
    expect(revisions.map((r) => [r.change, r.memory?.content])).toEqual([
      [MemoryChange.UPDATED, "Works at Initech as a data engineer"],
      [MemoryChange.CREATED, "Works at Globex as an analyst"],
    ]);
    // As of before the update, the memory said what mem0 first stored.
    const before = await services.memories(admin).getMemory({ id, asOf: { seconds: 1_770_000_000n } });
    expect(before.memory?.content).toBe("Works at Globex as an analyst");
  });

  it("keeps mem0's deleted memory deleted, and an agent's memories that agent's own", async () => {
    const listed = await services.memories(admin).listMemories({ filter: { subjectId: "alex" } });
    expect(listed.memories.map((m) => m.content).sort()).toEqual([
      "Is vegan and avoids dairy",
      "Prefers window seats on flights longer than four hours",
      "Works at Initech as a data engineer",
    ]);
    // Known from mem0's history alone, which names no user: deleted, a user's.
    const withDeleted = await services
      .memories(admin)
      .listMemories({ filter: { subjectType: "user", showDeleted: true } });
    const dog = withDeleted.memories.find((m) => m.id === "3f2e1d0c-9b8a-4776-8554-433221100fed");
    expect(dog).toMatchObject({ content: "Has a dog named Biscuit", state: MemoryState.DELETED, subjectId: "" });

    const support = services.memories({ agentId: "support-bot" });
    const seen = await support.listMemories({ filter: { subjectId: "alex" } });
    expect(seen.memories.map((m) => m.content).sort()).toEqual([
      "Is vegan and avoids dairy",
      "Works at Initech as a data engineer",
    ]);
    expect(await codeOf(support.getMemory({ id: "5b1f3c2e-8d4a-4e6f-a1b2-c3d4e5f60718" }))).toBe("NotFound");
    // In another workspace an imported id is as unknown as one never written.
    const elsewhere = services.memories({ ...admin, workspaceId: "elsewhere" });
    expect(await codeOf(elsewhere.getMemory({ id: "1a75e827-7a8e-4c2b-9e3c-0f6c1d2b3a41" }))).toBe("NotFound");
    expect(await codeOf(elsewhere.getMemory({ id: "00000000-0000-4000-8000-000000000000" }))).toBe("NotFound");
    expect((await elsewhere.listMemories({ filter: { subjectId: "alex" } })).memories).toEqual([]);
    const travel = await services
      .memories({ agentId: "travel-bot" })
      .getMemory({ id: "5b1f3c2e-8d4a-4e6f-a1b2-c3d4e5f60718" });
    expect(travel.memory?.metadata).toEqual({ mem0: { run_id: "trip-7", actor_id: "alex", role: "user" } });
  });
});

describe("importing Letta's memories", () => {
  it("stores an agent's core memory as keyed memories it owns, and passages, changing nothing the second time", async () => {
    const workspaceId = "letta-import";
    const caller = { ...admin, workspaceId };
    const items = [
      ...lettaItems(importerFixture("letta-agent.af")),
      ...lettaItems(importerFixture("letta-passages.json"), "Evie"),
    ];
    expect(await services.memories(caller).importMemories({ memories: items })).toMatchObject({ created: 4 });
    expect(await services.memories(caller).importMemories({ memories: items })).toMatchObject({ unchanged: 4 });

    const evie = services.memories({ agentId: "Evie", workspaceId });
    const { memories } = await evie.listMemories({ filter: { subjectType: "agent", subjectId: "Evie" } });
    expect(memories.map((m) => [m.kind, m.key, m.content]).sort()).toEqual([
      ["archival", "", "Alex's sister Rita lives in Porto and visits every summer."],
      ["core_memory", "human", "Name: Alex. Vegan. Lives in Lisbon."],
      ["core_memory", "persona", "- My name is Evie\n- I help people plan trips"],
    ]);
    const other = await services.memories({ agentId: "someone-else", workspaceId }).listMemories({});
    expect(other.memories).toEqual([]);
  });
});
