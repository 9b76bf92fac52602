/**
 * Concurrent batches only avoid deadlock if each takes its locks in one global order, yet
 * reordering must not change a batch's meaning: the last write to a key still wins and the
 * first user of a request_id still owns it, and every item keeps its original index.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { WriteMemoryRequestSchema } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { lockOrder } from "./lock-order.js";

type MemoryInit = NonNullable<MessageInitShape<typeof WriteMemoryRequestSchema>["memory"]>;

const write = (memory: MemoryInit, requestId = "") =>
  create(WriteMemoryRequestSchema, {
    requestId,
    memory: { subjectType: "contact", subjectId: "c-1", kind: "note", content: "x", ...memory },
  });

const order = (...requests: ReturnType<typeof write>[]) => lockOrder(requests).map(([i]) => i);

describe("lockOrder", () => {
  it("pairs each request with its index in the batch", () => {
    const requests = [write({ key: "b" }), write({ key: "a" })];
    const ordered = lockOrder(requests);
    expect(ordered).toHaveLength(2);
    for (const [index, request] of ordered) expect(request).toBe(requests[index]);
  });

  it("orders keyed writes by key (items without a request_id are not grouped)", () => {
    expect(order(write({ key: "c" }), write({ key: "a" }), write({ key: "b" }))).toEqual([1, 2, 0]);
  });

  it("orders keyless writes by content", () => {
    expect(order(write({ content: "zebra" }), write({ content: "apple" }))).toEqual([1, 0]);
  });

  it("ignores the content of keyed writes, so writes to one key keep request order", () => {
    expect(order(write({ key: "k", content: "zzz" }), write({ key: "k", content: "aaa" }))).toEqual([0, 1]);
  });

  it("keeps request order for identical keyless writes", () => {
    expect(order(write({ content: "same" }), write({ key: "a" }), write({ content: "same" }))).toEqual([0, 2, 1]);
  });

  it("orders by agent, then subject type, subject id and kind before the key", () => {
    expect(order(write({ agentId: "b", key: "a" }), write({ agentId: "a", key: "z" }))).toEqual([1, 0]);
    expect(order(write({ subjectType: "deal", key: "a" }), write({ subjectType: "contact", key: "z" }))).toEqual([
      1, 0,
    ]);
    expect(order(write({ subjectId: "c-2", key: "a" }), write({ subjectId: "c-1", key: "z" }))).toEqual([1, 0]);
    expect(order(write({ kind: "pref", key: "a" }), write({ kind: "fact", key: "z" }))).toEqual([1, 0]);
  });

  it("gives the same order to the same items however the batch lists them", () => {
    const a = write({ key: "a" });
    const b = write({ content: "b" });
    const c = write({ subjectId: "c-0", key: "c" });
    const keysOf = (requests: ReturnType<typeof write>[]) => lockOrder(requests).map(([, r]) => r);
    expect(keysOf([a, b, c])).toEqual(keysOf([c, a, b]));
  });

  it("sorts a later item sharing a request_id right after its first user", () => {
    const requests = [write({ key: "z" }, "r1"), write({ key: "a" }), write({ key: "b" }, "r1"), write({ key: "y" })];
    expect(order(...requests)).toEqual([1, 3, 0, 2]);
  });

  it("handles an empty batch", () => {
    expect(lockOrder([])).toEqual([]);
  });
});
