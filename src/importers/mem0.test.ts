import { describe, expect, it } from "vitest";
import { importerFixture, isoOf } from "../../test/support/importer-fixtures.js";
import { MemoryChange, Visibility } from "../../gen/ts/engram/v1/memory_pb.js";
import { ForeignFormatError, importedId } from "./foreign-memory.js";
import { mem0Items } from "./mem0.js";

describe("mem0Items", () => {
  const items = mem0Items({
    memories: importerFixture("mem0-get-all.json"),
    history: importerFixture("mem0-history.json"),
  });
  const byContent = (content: string) => {
    const item = items.find((i) => i.memory?.content === content);
    if (item?.memory === undefined) throw new Error(`no memory says ${content}`);
    return { ...item, memory: item.memory };
  };

  it("keeps mem0's ids, the user as the subject, the agent as the owner, the rest as metadata", () => {
    expect(items.map((i) => i.memory?.id)).toEqual([
      "1a75e827-7a8e-4c2b-9e3c-0f6c1d2b3a41",
      "5b1f3c2e-8d4a-4e6f-a1b2-c3d4e5f60718",
      "0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f",
      "7e6d5c4b-3a29-4182-8f7e-6d5c4b3a2918",
      "3f2e1d0c-9b8a-4776-8554-433221100fed",
    ]);
    expect(byContent("Is vegan and avoids dairy").memory).toMatchObject({
      subjectType: "user",
      subjectId: "alex",
      agentId: "",
      kind: "fact",
      visibility: Visibility.SHARED,
      metadata: { food: "vegan" },
      sourceKind: "mem0",
      sourceId: "1a75e827-7a8e-4c2b-9e3c-0f6c1d2b3a41",
    });
    const seat = byContent("Prefers window seats on flights longer than four hours").memory;
    expect(seat).toMatchObject({ subjectId: "alex", agentId: "travel-bot", visibility: Visibility.PRIVATE });
    expect(seat.metadata).toEqual({ mem0: { run_id: "trip-7", actor_id: "alex", role: "user" } });
    // An agent's own instruction: the agent is its subject and its owner.
    expect(byContent("Escalate billing questions to the finance queue").memory).toMatchObject({
      subjectType: "agent",
      subjectId: "support-bot",
      agentId: "support-bot",
    });
  });

  it("reads times with their offsets, and an absent updated_at as the creation", () => {
    const vegan = byContent("Is vegan and avoids dairy").memory;
    expect(isoOf(vegan.createTime)).toBe("2025-10-22T11:40:22.864Z");
    expect(isoOf(vegan.updateTime)).toBe("2025-10-22T11:40:22.864Z");
    const billing = byContent("Escalate billing questions to the finance queue").memory;
    expect(isoOf(billing.updateTime)).toBe("2026-02-14T10:00:00.000Z");
  });

  it("turns history into revisions, oldest first numbered from 1, and brings back a memory deleted in mem0", () => {
    const job = byContent("Works at Initech as a data engineer");
    expect(job.memory?.revision).toBe(2n);
    const oldestFirst = [...job.revisions].reverse();
    expect(oldestFirst.map((r) => [r.revision, r.change, r.memory?.content, isoOf(r.changeTime)])).toEqual([
      [1n, MemoryChange.CREATED, "Works at Globex as an analyst", "2026-01-10T08:00:00.000Z"],
      [2n, MemoryChange.UPDATED, "Works at Initech as a data engineer", "2026-03-02T12:15:30.500Z"],
    ]);
    const dog = byContent("Has a dog named Biscuit");
    expect(isoOf(dog.memory?.deleteTime)).toBe("2026-02-20T07:45:00.000Z");
    expect(dog.revisions.map((r) => r.change)).toEqual([MemoryChange.DELETED, MemoryChange.CREATED]);
    // A memory without history has its creation as its one revision.
    expect(byContent("Is vegan and avoids dairy").revisions.map((r) => r.revision)).toEqual([1n]);
  });

  it("reads the platform's page: categories as tags, the session as the run, the last day as the expiry", () => {
    const [allergy, followUp] = mem0Items({ memories: importerFixture("mem0-platform-page.json") });
    expect(allergy?.memory).toMatchObject({
      subjectId: "sam",
      tags: ["category:health", "category:medical"],
      metadata: { mem0: { app_id: "clinic-app" } },
    });
    expect(followUp?.memory?.metadata).toEqual({ priority: "high", mem0: { run_id: "visit-42" } });
    expect(isoOf(followUp?.memory?.expireTime)).toBe("2026-06-30T23:59:59.999Z");
  });

  it("gives the same items for the same file, so a second import changes nothing", () => {
    const again = mem0Items({
      memories: importerFixture("mem0-get-all.json"),
      history: importerFixture("mem0-history.json"),
    });
    expect(again).toEqual(items);
    expect(importedId("mem0", "mem-7")).toBe(importedId("mem0", "mem-7"));
    expect(importedId("mem0", "mem-7")).not.toBe(importedId("letta", "mem-7"));
  });

  it("refuses a file it cannot read, saying where", () => {
    const read = (text: string) => () => mem0Items({ memories: { text, file: "m.json" } });
    expect(read("{")).toThrow(ForeignFormatError);
    expect(read('{"results": [{"id": "x"}]}')).toThrow(/^m\.json: not mem0 memories: results\[0\]\.memory: /);
    expect(read('[{"id": "x", "memory": "m", "created_at": "yesterday"}]')).toThrow(
      'm.json: results[0].created_at: not a time: "yesterday"',
    );
  });
});
