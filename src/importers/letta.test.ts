import { describe, expect, it } from "vitest";
import { importerFixture, isoOf } from "../../test/support/importer-fixtures.js";
import { Visibility } from "../../gen/ts/engram/v1/memory_pb.js";
import { importedId } from "./foreign-memory.js";
import { lettaItems } from "./letta.js";

describe("lettaItems", () => {
  it("makes each core memory block of an agent file a keyed memory the agent owns, leaving empty ones out", () => {
    const items = lettaItems(importerFixture("letta-agent.af"));
    expect(items.map((i) => [i.memory?.key, i.memory?.content])).toEqual([
      ["persona", "- My name is Evie\n- I help people plan trips"],
      ["human", "Name: Alex. Vegan. Lives in Lisbon."],
    ]);
    expect(items[1]?.memory).toMatchObject({
      id: importedId("letta", "Evie/blocks/human"),
      agentId: "Evie",
      subjectType: "agent",
      subjectId: "Evie",
      kind: "core_memory",
      visibility: Visibility.PRIVATE,
      sourceKind: "letta",
      sourceId: "block-1",
      metadata: {
        origin: "onboarding",
        letta: { label: "human", description: "What I know about the person I talk to", limit: 5000 },
      },
    });
    expect(items[0]?.memory?.metadata).toMatchObject({ letta: { read_only: true } });
    expect(isoOf(items[0]?.memory?.createTime)).toBe("2026-02-12T19:12:25.808Z");
  });

  it("reads the first format, one agent with core_memory, even as a JSON string holding the JSON", () => {
    const items = lettaItems(importerFixture("letta-first-format.af"));
    expect(items.map((i) => [i.memory?.agentId, i.memory?.key, i.memory?.content])).toEqual([
      ["memgpt_agent", "persona", "I am Sam, a curious assistant."],
      ["memgpt_agent", "human", "First name: Chad"],
    ]);
    expect(isoOf(items[0]?.memory?.updateTime)).toBe("2025-03-04T08:00:00.000Z");
    expect(items[1]?.memory?.metadata).toMatchObject({ confidence: "low" });
  });

  it("makes archival passages memories of the agent named, a deleted one deleted, with ids derived from theirs", () => {
    const [sister, trip] = lettaItems(importerFixture("letta-passages.json"), "Evie");
    expect(sister?.memory).toMatchObject({
      id: importedId("letta", "passage-6f1c2b3a-4d5e-4f60-8172-93a4b5c6d7e8"),
      agentId: "Evie",
      kind: "archival",
      tags: ["family"],
      metadata: { source: "chat" },
    });
    expect(sister?.memory?.deleteTime).toBeUndefined();
    expect(isoOf(trip?.memory?.deleteTime)).toBe("2026-03-10T15:00:00.000Z");
    // No agent named: nobody owns them, so every agent of the workspace reads them.
    expect(lettaItems(importerFixture("letta-passages.json"))[0]?.memory).toMatchObject({
      agentId: "",
      visibility: Visibility.SHARED,
    });
  });

  it("refuses what it cannot read, saying where", () => {
    const read = (text: string) => () => lettaItems({ text, file: "a.af" });
    expect(read('{"agents": [{"id": "agent-0", "name": "E", "block_ids": ["block-9"]}], "blocks": []}')).toThrow(
      "a.af: agent agent-0: block_ids[0]: no block block-9",
    );
    expect(read('[{"id": "p", "text": ""}]')).toThrow(/^a\.af: not a list of Letta passages: \[0\]\.text: /);
    expect(read('{"name": "E"}')).toThrow(/^a\.af: not a Letta agent file .*: core_memory: /);
  });
});
