import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { MemoryFilterSchema, Visibility } from "../../gen/ts/engram/v1/memory_pb.js";
import { toExportQuery, toFilterQuery } from "./filter-query.js";

describe("toFilterQuery", () => {
  it("reads an absent or empty filter as no condition at all", () => {
    const none = {
      subjectType: undefined,
      subjectId: undefined,
      kinds: [],
      tags: [],
      anyTags: [],
      ownerAgentIds: [],
      linkedEntity: undefined,
      visibility: undefined,
      key: undefined,
      showDeleted: false,
      showExpired: false,
      includeSuperseded: false,
      validAt: undefined,
    };
    expect(toFilterQuery(undefined)).toEqual(none);
    expect(toFilterQuery(create(MemoryFilterSchema, {}))).toEqual(none);
  });

  it("carries every condition, and leaves agent_id to the caller", () => {
    const filter = create(MemoryFilterSchema, {
      agentId: "bot",
      subjectType: "contact",
      subjectId: "sarah",
      kinds: ["pitch"],
      tags: ["a", "b"],
      anyTags: ["c"],
      ownerAgentIds: ["bot", "helper"],
      linkedEntityType: "deal",
      linkedEntityId: "d-1",
      visibility: Visibility.SHARED,
      key: "k",
      showDeleted: true,
      showExpired: true,
      includeSuperseded: true,
      validAt: timestampFromDate(new Date("2030-05-06T07:08:09.010Z")),
    });
    expect(toFilterQuery(filter)).toEqual({
      subjectType: "contact",
      subjectId: "sarah",
      kinds: ["pitch"],
      tags: ["a", "b"],
      anyTags: ["c"],
      ownerAgentIds: ["bot", "helper"],
      linkedEntity: { type: "deal", id: "d-1" },
      visibility: "shared",
      key: "k",
      showDeleted: true,
      showExpired: true,
      includeSuperseded: true,
      validAt: new Date("2030-05-06T07:08:09.010Z"),
    });
  });

  it("export reads agent_id as the owner agent to keep", () => {
    expect(toExportQuery(create(MemoryFilterSchema, { agentId: "bot" })).ownerAgentId).toBe("bot");
    expect(toExportQuery(create(MemoryFilterSchema, {})).ownerAgentId).toBeUndefined();
  });
});
