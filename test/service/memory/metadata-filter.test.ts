/**
 * MemoryFilter.metadata: memories whose metadata contains the object, in every read that takes
 * a filter (List now and as of a time, Search in each mode, Watch, Export, an erasure's
 * selection), within the reader's visibility, and refused past its bounds.
 */
import { randomUUID } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { codeOf, expectError } from "../../support/codes.js";
import { Code } from "@connectrpc/connect";
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
const notes: { content: string; metadata: JsonObject; private?: boolean }[] = [
  { content: "renewal call booked for the pro plan", metadata: { plan: "pro", seats: 10, region: { eu: true } } },
  { content: "renewal call booked for the free plan", metadata: { plan: "free", seats: 1 } },
  { content: "renewal call notes, pro plan, private", metadata: { plan: "pro", labels: ["hot", "q3"] }, private: true },
];

beforeAll(async () => {
  for (const note of notes) {
    await services.memories(ana).writeMemory({
      memory: {
        subjectType: "account",
        subjectId,
        kind: "note",
        content: note.content,
        metadata: note.metadata,
        visibility: note.private ? Visibility.PRIVATE : Visibility.SHARED,
      },
    });
  }
});

const contents = (memories: { content: string }[]) => memories.map((m) => m.content).sort();

describe("MemoryFilter.metadata", () => {
  it("lists the memories whose metadata contains it: equal values, nested objects, list elements", async () => {
    const list = async (metadata: Record<string, unknown>, caller = ana) =>
      contents(
        (await services.memories(caller).listMemories({ filter: { subjectId, metadata: metadata as never } })).memories,
      );
    expect(await list({ plan: "pro" })).toEqual([notes[2]!.content, notes[0]!.content].sort());
    expect(await list({ plan: "pro", seats: 10 })).toEqual([notes[0]!.content]);
    expect(await list({ region: { eu: true } })).toEqual([notes[0]!.content]);
    expect(await list({ labels: ["q3"] })).toEqual([notes[2]!.content]);
    expect(await list({ plan: "enterprise" })).toEqual([]);
    // Bob may not read Ana's private note: the filter finds nothing more than he may read.
    expect(await list({ plan: "pro" }, bob)).toEqual([notes[0]!.content]);
    expect(await list({ labels: ["hot"] }, bob)).toEqual([]);
    // Another workspace has none of them, whatever the filter says.
    const elsewhere = { agentId: "ana", workspaceId: `other-${randomUUID()}` };
    expect(await list({ plan: "pro" }, elsewhere)).toEqual([]);
    const hits = await searchAll(services.memories(elsewhere), {
      query: "renewal",
      filter: { metadata: { plan: "pro" } },
    });
    expect(hits).toEqual([]);
  });

  it("filters as of a past time, and every search mode", async () => {
    const asOf = { seconds: BigInt(Math.floor(Date.now() / 1000) + 1) };
    const past = await services.memories(ana).listMemories({ filter: { subjectId, metadata: { seats: 1 } }, asOf });
    expect(contents(past.memories)).toEqual([notes[1]!.content]);
    for (const mode of [SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID]) {
      const hits = await searchAll(services.memories(ana), {
        query: "renewal call plan",
        mode,
        filter: { subjectId, metadata: { plan: "free" } },
      });
      expect(
        hits.map((h) => h.memory?.content),
        SearchMode[mode],
      ).toEqual([notes[1]!.content]);
    }
  });

  it("delivers only matching changes to a watch, and exports only matching memories", async () => {
    const stream = watchMemories(services.memories(ana), { filter: { subjectId, metadata: { plan: "trial" } } });
    await stream.opened();
    for (const plan of ["pro", "trial"]) {
      await services.memories(ana).writeMemory({
        memory: {
          subjectType: "account",
          subjectId,
          kind: "event",
          content: `switched to ${plan}`,
          metadata: { plan },
        },
      });
    }
    expect(await stream.until((s) => s.changes.length >= 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stream.changes.map((c) => c.memory?.content)).toEqual(["switched to trial"]);
    await stream.close();

    const exported = [];
    const admin = { scopes: ["admin" as const] };
    for await (const item of services.memories(admin).exportMemories({ filter: { metadata: { seats: 10 } } })) {
      exported.push(item.memory?.content);
    }
    expect(exported).toEqual([notes[0]!.content]);
  });

  it("narrows an erasure by itself, and erases only what it matches", async () => {
    const eraser = { scopes: ["memory:read", "memory:write", "memory:erase"] as never, agentId: "ana" };
    await services.memories(ana).writeMemory({
      memory: { subjectType: "ticket", kind: "note", content: "card number on file", metadata: { pii: "card" } },
    });
    const erased = [];
    for await (const event of services.memories(eraser).eraseMemories({ filter: { metadata: { pii: "card" } } })) {
      erased.push(event);
    }
    const remaining = await services.memories(ana).listMemories({ filter: { subjectType: "ticket" } });
    expect(remaining.memories).toEqual([]);
    expect((await services.memories(ana).listMemories({ filter: { subjectId } })).memories.length).toBeGreaterThan(0);
  });

  it("refuses a filter past its bounds, and an empty one filters nothing", async () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    await expectError(
      services.memories(ana).listMemories({ filter: { metadata: many } }),
      Code.InvalidArgument,
      "FILTER_TOO_LARGE",
    );
    const long = { note: "x".repeat(4100) };
    expect(await codeOf(services.memories(ana).listMemories({ filter: { metadata: long } }))).toBe("InvalidArgument");
    // Nested objects are compared level by level (25 levels: within what the binary decoder reads).
    let deep: JsonObject = { leaf: true };
    for (let i = 0; i < 25; i++) deep = { a: deep };
    expect((await services.memories(ana).listMemories({ filter: { metadata: deep } })).memories).toEqual([]);
    const all = await services.memories(ana).listMemories({ filter: { subjectId, metadata: {} } });
    expect(all.memories.length).toBeGreaterThanOrEqual(3);
  });
});
