/**
 * MemoryFilter.owner_agent_ids: memories owned by these agents, within what the caller may read,
 * in every read that takes a filter (List now and as of a time, Search in each mode, Watch,
 * Export) and an erasure's selection. An admin sees each owner's private memories too; an agent
 * only the others' shared ones.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { erase, ERASER_SCOPES } from "../../support/erasure.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { searchAll } from "../../support/factories/search.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { watchMemories } from "../../support/watch.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const subjectId = randomUUID();
const ana = { agentId: "ana" };
const bob = { agentId: "bob" };
const admin = { scopes: ["admin" as const, "memory:read" as const, "memory:write" as const] };

/** Who writes each note, and whether others may read it; the agentless one has no owner. */
const notes = [
  { by: "ana", content: "ana shared renewal note", shared: true },
  { by: "ana", content: "ana private renewal note", shared: false },
  { by: "bob", content: "bob shared renewal note", shared: true },
  { by: "bob", content: "bob private renewal note", shared: false },
  { by: null, content: "agentless shared renewal note", shared: true },
];

beforeAll(async () => {
  for (const note of notes) {
    await services.memories(note.by === null ? admin : { agentId: note.by }).writeMemory({
      memory: {
        subjectType: "account",
        subjectId,
        kind: "note",
        content: note.content,
        visibility: note.shared ? Visibility.SHARED : Visibility.PRIVATE,
      },
    });
  }
});

const contents = (memories: { content: string }[]) => memories.map((m) => m.content).sort();
const written = (pick: (n: (typeof notes)[number]) => boolean) =>
  notes
    .filter(pick)
    .map((n) => n.content)
    .sort();

describe("MemoryFilter.owner_agent_ids", () => {
  it("lists one owner's memories: all of them for an admin, only the shared ones for another agent", async () => {
    const list = async (caller: object, ownerAgentIds: string[], asOf?: { seconds: bigint }) =>
      contents((await services.memories(caller).listMemories({ filter: { subjectId, ownerAgentIds }, asOf })).memories);
    expect(await list(admin, ["bob"])).toEqual(written((n) => n.by === "bob"));
    expect(await list(admin, ["ana", "bob"])).toEqual(written((n) => n.by !== null));
    expect(await list(ana, ["bob"])).toEqual(["bob shared renewal note"]);
    expect(await list(bob, ["bob"])).toEqual(written((n) => n.by === "bob"));
    const asOf = { seconds: BigInt(Math.floor(Date.now() / 1000) + 1) };
    expect(await list(admin, ["ana"], asOf)).toEqual(written((n) => n.by === "ana"));
    expect(await list(bob, ["ana"], asOf)).toEqual(["ana shared renewal note"]);
  });

  it("narrows every search mode the same way", async () => {
    for (const mode of [SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID]) {
      const found = async (caller: object) =>
        (
          await searchAll(services.memories(caller), {
            query: "renewal note",
            mode,
            filter: { subjectId, ownerAgentIds: ["ana"] },
          })
        )
          .map((h) => h.memory?.content ?? "")
          .sort();
      expect(await found(admin), SearchMode[mode]).toEqual(written((n) => n.by === "ana"));
      expect(await found(bob), SearchMode[mode]).toEqual(["ana shared renewal note"]);
    }
  });

  it("delivers only the owners' changes to a watch, and exports only their memories", async () => {
    const stream = watchMemories(services.memories(admin), { filter: { subjectId, ownerAgentIds: ["bob"] } });
    await stream.opened();
    for (const caller of [ana, bob]) {
      await services.memories(caller).writeMemory({
        memory: { subjectType: "account", subjectId, kind: "event", content: `${caller.agentId} called back` },
      });
    }
    expect(await stream.until((s) => s.changes.length >= 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stream.changes.map((c) => c.memory?.content)).toEqual(["bob called back"]);
    await stream.close();

    const exported: string[] = [];
    const filter = { subjectId, ownerAgentIds: ["ana"], kinds: ["note"] };
    for await (const item of services.memories(admin).exportMemories({ filter })) {
      exported.push(item.memory?.content ?? "");
    }
    expect(exported.sort()).toEqual(written((n) => n.by === "ana"));
  });

  it("narrows an erasure by itself: only the owner's memories go", async () => {
    const eraser = { scopes: [...ERASER_SCOPES, "admin" as const] };
    const ticket = randomUUID();
    for (const caller of [ana, bob]) {
      await services.memories(caller).writeMemory({
        memory: { subjectType: "ticket", subjectId: ticket, kind: "note", content: `${caller.agentId} ticket` },
      });
    }
    await erase(services.memories(eraser), { filter: { subjectId: ticket, ownerAgentIds: ["ana"] } });
    const remaining = await services.memories(admin).listMemories({ filter: { subjectId: ticket } });
    expect(contents(remaining.memories)).toEqual(["bob ticket"]);
  });
});
