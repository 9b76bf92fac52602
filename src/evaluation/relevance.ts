import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { LabeledQuery } from "../../gen/ts/engram/v1/search_service_pb.js";
import type { MemoryRecord } from "../memory/record.js";

/** One relevant item of a labelled query: a memory by id, any memory with a key, or any whose metadata contains an object. */
export type ExpectedItem = { id: string } | { key: string } | { metadata: JsonObject };

/** A labelled query's expected entries, one item each (ids compared in lower case, as stored). */
export function expectedItems(q: LabeledQuery): ExpectedItem[] {
  return [
    ...q.expectedIds.map((id) => ({ id: id.toLowerCase() })),
    ...q.expectedKeys.map((key) => ({ key })),
    ...q.expectedMetadata.map((metadata) => ({ metadata })),
  ];
}

/** Whether a result is the item, or one of the memories it stands for. */
export function matches(item: ExpectedItem, memory: Pick<MemoryRecord, "id" | "key" | "metadata">): boolean {
  if ("id" in item) return memory.id === item.id;
  if ("key" in item) return memory.key === item.key;
  return contains(memory.metadata as JsonObject, item.metadata);
}

/**
 * Postgres's jsonb containment (`doc @> pattern`), which MemoryFilter.metadata applies: an
 * object holds each of the pattern's keys with a value containing the pattern's, an array holds
 * a match for each of the pattern's elements (in any order, repeats allowed), and anything else
 * equals. The service test compares it with Postgres on both engines.
 */
export function contains(doc: JsonValue | undefined, pattern: JsonValue): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(doc) && pattern.every((p) => doc.some((d) => contains(d, p)));
  }
  if (pattern !== null && typeof pattern === "object") {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return false;
    return Object.entries(pattern).every(([key, value]) => key in doc && contains(doc[key], value));
  }
  return doc === pattern;
}
