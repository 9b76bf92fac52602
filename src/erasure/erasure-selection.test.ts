import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { EraseMemoriesRequestSchema } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { DomainError } from "../errors/domain-error.js";
import { erasureTarget, possibleIds } from "./erasure-selection.js";

const request = (init: Parameters<typeof create<typeof EraseMemoriesRequestSchema>>[1]) =>
  create(EraseMemoriesRequestSchema, init);
const reasonOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err instanceof DomainError ? err.reason : "not a DomainError";
  }
  return "accepted";
};

describe("erasureTarget", () => {
  it("takes listed ids as they are", () => {
    expect(erasureTarget(request({ ids: ["a", "b"] }))).toEqual({ ids: ["a", "b"] });
  });

  it("takes a filter that narrows, with its bounds", () => {
    const after = new Date("2026-01-01T00:00:00Z");
    const target = erasureTarget(
      request({ filter: { tags: ["pii"] }, ownerAgentId: "bot", createdAfter: timestampFromDate(after) }),
    );
    expect(target).toMatchObject({
      selection: { filter: { tags: ["pii"] }, ownerAgentId: "bot", createdAfter: after },
    });
  });

  it("takes an empty filter only with a bound: the owner or a time", () => {
    expect(reasonOf(() => erasureTarget(request({ filter: {} })))).toBe("EMPTY_FILTER");
    expect(reasonOf(() => erasureTarget(request({ filter: { agentId: "bot", showDeleted: true } })))).toBe(
      "EMPTY_FILTER",
    );
    expect(reasonOf(() => erasureTarget(request({ filter: { validAt: timestampFromDate(new Date()) } })))).toBe(
      "EMPTY_FILTER",
    );
    expect(reasonOf(() => erasureTarget(request({ filter: {}, ownerAgentId: "bot" })))).toBe("accepted");
    expect(reasonOf(() => erasureTarget(request({ filter: { ownerAgentIds: ["bot"] } })))).toBe("accepted");
  });

  it("refuses bounds without a filter", () => {
    expect(reasonOf(() => erasureTarget(request({ ids: ["a"], ownerAgentId: "bot" })))).toBe("FILTER_REQUIRED");
  });
});

describe("possibleIds", () => {
  it("keeps what could be a stored id, in lower case", () => {
    expect(possibleIds(["0192F1A0-0000-7000-8000-00000000000A", "x", "0192f1a0-0000-7000-8000-00000000000b"])).toEqual([
      "0192f1a0-0000-7000-8000-00000000000a",
      "0192f1a0-0000-7000-8000-00000000000b",
    ]);
  });
});
