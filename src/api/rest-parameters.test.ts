/**
 * REST query-string parameters: each set where the gateway would put it in the request's JSON
 * (by leaf name, dotted path or alias), converted from text as its field's type needs, or refused
 * with the parameter it concerns.
 */
import type { DescMessage, JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ListMemoriesRequestSchema, UpdateMemoryRequestSchema } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { refused } from "../../test/support/refusals.js";
import { setParameter } from "./rest-json.js";

/** Sets every parameter of a query string, as the gateway does. */
function params(desc: DescMessage, query: string, bodyField?: string, out: JsonObject = {}): JsonObject {
  const search = new URLSearchParams(query);
  for (const name of new Set(search.keys())) setParameter(desc, out, name, search.getAll(name), bodyField);
  return out;
}

describe("setParameter", () => {
  it("sets nested fields by leaf name, dotted path or alias, appending repeated values", () => {
    expect(
      params(ListMemoriesRequestSchema, "kind=a&kind=b&filter.kinds=c&filter.agent_registry_id=x&page_size=20"),
    ).toEqual({ filter: { kinds: ["a", "b", "c"], agent_id: "x" }, page_size: "20" });
  });

  it("converts booleans and enums, and refuses any other spelling of a boolean", () => {
    expect(params(ListMemoriesRequestSchema, "show_deleted=1&show_expired=false&visibility=SHARED")).toEqual({
      filter: { show_deleted: true, show_expired: false, visibility: "VISIBILITY_SHARED" },
    });
    expect(() => params(ListMemoriesRequestSchema, "show_deleted=yes")).toThrow(
      'show_deleted: expected true or false, got "yes"',
    );
    expect(refused(() => params(ListMemoriesRequestSchema, "show_deleted=TRUE"))).toBe(
      "INVALID_BOOLEAN at show_deleted",
    );
  });

  it("refuses unknown names, paths through scalars, and a single-valued field given twice", () => {
    expect(refused(() => params(ListMemoriesRequestSchema, "colour=red"))).toBe("UNKNOWN_FIELD at colour");
    expect(refused(() => params(ListMemoriesRequestSchema, "page_size.x=1"))).toBe("UNKNOWN_FIELD at page_size.x");
    expect(refused(() => params(ListMemoriesRequestSchema, "page_size=1&page_size=2"))).toBe(
      "REPEATED_PARAMETER at page_size",
    );
    const fromPath = params(UpdateMemoryRequestSchema, "id=m1");
    expect(refused(() => params(UpdateMemoryRequestSchema, "id=m2", "memory", fromPath))).toBe("DUPLICATE_FIELD at id");
  });

  it("reads a Struct (filter.metadata) as its JSON text, and refuses anything but an object", () => {
    const metadata = encodeURIComponent('{"plan":"pro","region":{"eu":true}}');
    expect(params(ListMemoriesRequestSchema, `metadata=${metadata}`)).toEqual({
      filter: { metadata: { plan: "pro", region: { eu: true } } },
    });
    for (const text of ["{plan", "[1]", "3", "null"]) {
      expect(refused(() => params(ListMemoriesRequestSchema, `filter.metadata=${encodeURIComponent(text)}`))).toBe(
        "INVALID_JSON at filter.metadata",
      );
    }
  });

  it("refuses message fields, except well-known ones such as a field mask", () => {
    expect(refused(() => params(ListMemoriesRequestSchema, "filter=x"))).toBe("NOT_A_PARAMETER at filter");
    expect(params(UpdateMemoryRequestSchema, "update_mask=title,source_kind")).toEqual({
      update_mask: "title,sourceKind",
    });
  });

  it("refuses fields that belong in the body, however they are named", () => {
    for (const name of ["title", "memory.title", "memory"]) {
      expect(refused(() => params(UpdateMemoryRequestSchema, `${name}=t`, "memory"))).toBe(
        `NOT_A_PARAMETER at ${name}`,
      );
    }
    expect(params(UpdateMemoryRequestSchema, "agent_id=a", "memory")).toEqual({ agent_id: "a" });
  });
});
