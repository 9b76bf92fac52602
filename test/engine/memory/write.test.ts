/**
 * WriteMemory and BatchWriteMemories: upsert outcomes, keyless merges, concurrency,
 * idempotent request ids, validate_only dry runs and batch atomicity.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { MemoryState, Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { memoryClient, type Protocol } from "../../support/clients.js";
import { expectError, statusReason, violatedFields } from "../../support/codes.js";
import { everythingAbout, hoursFromNow, sorted, unique, useServer, type MemoryInit } from "./write-list-support.js";

const ctx = useServer();

/** A keyed pitch memory about a fresh contact; override anything. */
function pitch(overrides: MemoryInit = {}): MemoryInit {
  return {
    subjectType: "contact",
    subjectId: unique("contact"),
    kind: "pitch",
    content: "Pitched sequences",
    ...overrides,
  };
}

const outcomeName = (o: WriteOutcome) => WriteOutcome[o];

describe("keyed writes upsert on the natural key", () => {
  it("writing one key twice gives CREATED then UPDATED: same id, revision + 1, fields replaced", async () => {
    const first = await ctx.admin.writeMemory({
      memory: pitch({
        key: "follow-up",
        title: "first title",
        tags: ["angle:time"],
        metadata: { a: 1 },
        linkedEntities: [{ type: "opportunity", id: "o1" }],
        confidence: 0.4,
        sourceKind: "email_send",
      }),
    });
    expect(outcomeName(first.outcome)).toBe("CREATED");
    expect(first.memory?.revision).toBe(1n);
    const m = first.memory!;

    const second = await ctx.admin.writeMemory({
      memory: {
        subjectType: m.subjectType,
        subjectId: m.subjectId,
        kind: m.kind,
        key: "follow-up",
        content: "Pitched again",
        tags: ["angle:price"],
        metadata: { b: 2 },
      },
    });
    expect(outcomeName(second.outcome)).toBe("UPDATED");
    expect(second.memory).toMatchObject({
      id: m.id,
      revision: 2n,
      content: "Pitched again",
      title: "",
      tags: ["angle:price"],
      metadata: { b: 2 },
      linkedEntities: [],
      confidence: 1,
      sourceKind: "",
      state: MemoryState.ACTIVE,
    });
    expect(second.memory?.createTime).toEqual(m.createTime);

    const rows = await everythingAbout(ctx.admin, m.subjectType, m.subjectId);
    expect(rows.map((r) => r.id)).toEqual([m.id]);
  });

  it("writing a deleted key gives REVIVED with the same id and delete_time cleared", async () => {
    const created = await ctx.admin.writeMemory({ memory: pitch({ key: "k" }) });
    const m = created.memory!;
    const deleted = await ctx.admin.deleteMemory({ id: m.id, reason: "stale" });
    expect(deleted.memory?.state).toBe(MemoryState.DELETED);

    const revived = await ctx.admin.writeMemory({
      memory: { ...pitch({ subjectId: m.subjectId, key: "k" }), content: "back" },
    });
    expect(outcomeName(revived.outcome)).toBe("REVIVED");
    expect(revived.memory).toMatchObject({ id: m.id, content: "back", state: MemoryState.ACTIVE, forgetReason: "" });
    expect(revived.memory?.deleteTime).toBeUndefined();
    expect(revived.memory?.revision).toBe(3n); // create, delete, revive

    const got = await ctx.admin.getMemory({ id: m.id });
    expect(got.memory?.state).toBe(MemoryState.ACTIVE);
    expect(got.memory?.deleteTime).toBeUndefined();
  });

  it("writing a key whose memory expired (past expire_time) gives REVIVED, expiry taken from the request", async () => {
    const expired = await ctx.admin.writeMemory({ memory: pitch({ key: "k", expireTime: hoursFromNow(-1) }) });
    expect(outcomeName(expired.outcome)).toBe("CREATED");
    expect(expired.memory?.state).toBe(MemoryState.EXPIRED);
    const m = expired.memory!;

    const revived = await ctx.admin.writeMemory({ memory: pitch({ subjectId: m.subjectId, key: "k" }) });
    expect(outcomeName(revived.outcome)).toBe("REVIVED");
    expect(revived.memory).toMatchObject({ id: m.id, state: MemoryState.ACTIVE, revision: 2n });
    expect(revived.memory?.expireTime).toBeUndefined();
  });

  it("writing a key whose short ttl ran out gives REVIVED", async () => {
    const first = await ctx.admin.writeMemory({ memory: pitch({ key: "k" }), ttl: { seconds: 0n, nanos: 1_000_000 } });
    expect(outcomeName(first.outcome)).toBe("CREATED");
    const m = first.memory!;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await ctx.admin.getMemory({ id: m.id })).memory?.state).toBe(MemoryState.EXPIRED);

    const again = await ctx.admin.writeMemory({
      memory: pitch({ subjectId: m.subjectId, key: "k" }),
      ttl: { seconds: 3600n },
    });
    expect(outcomeName(again.outcome)).toBe("REVIVED");
    expect(again.memory?.id).toBe(m.id);
    expect(again.memory?.state).toBe(MemoryState.ACTIVE);
    expect(again.memory?.expireTime).toBeDefined();
  });
});

describe("keyless writes merge exact duplicates", () => {
  it("same content up to case and white space in the same agent/subject/kind is MERGED into the first row", async () => {
    const subjectId = unique("contact");
    const base = { subjectType: "contact", subjectId, kind: "objection", agentId: "nurture" };
    const first = await ctx.admin.writeMemory({
      memory: {
        ...base,
        content: "Worried about price; asked for a discount.",
        tags: ["topic:price", "shared"],
        linkedEntities: [{ type: "opportunity", id: "o1" }],
        metadata: { severity: "high", seen: 1 },
        confidence: 0.3,
      },
    });
    const second = await ctx.admin.writeMemory({
      memory: {
        ...base,
        content: "  worried ABOUT price;\n asked   for a DISCOUNT. ",
        tags: ["shared", "topic:discount"],
        linkedEntities: [
          { type: "opportunity", id: "o1" },
          { type: "email", id: "e9" },
        ],
        metadata: { seen: 2, channel: "email" },
        confidence: 0.8,
      },
    });
    expect(outcomeName(second.outcome)).toBe("MERGED");
    expect(second.memory).toMatchObject({
      id: first.memory!.id,
      revision: 2n,
      content: "Worried about price; asked for a discount.",
      metadata: { severity: "high", seen: 2, channel: "email" },
      linkedEntities: [
        { type: "opportunity", id: "o1" },
        { type: "email", id: "e9" },
      ],
    });
    expect(sorted(second.memory!.tags)).toEqual(["shared", "topic:discount", "topic:price"]);
    expect(second.memory?.confidence).toBeCloseTo(0.8, 5);

    // A lower confidence never lowers the merged one.
    const third = await ctx.admin.writeMemory({
      memory: { ...base, content: "worried about price; asked for a discount.", confidence: 0.1 },
    });
    expect(outcomeName(third.outcome)).toBe("MERGED");
    expect(third.memory?.confidence).toBeCloseTo(0.8, 5);

    const rows = await everythingAbout(ctx.admin, "contact", subjectId, "nurture");
    expect(rows.map((r) => r.id)).toEqual([first.memory!.id]);
  });

  it.each([
    ["another subject", { subjectId: unique("contact") }],
    ["another subject type", { subjectType: "company" }],
    ["another kind", { kind: "preference" }],
    ["another agent", { agentId: "support" }],
  ])("the same content with %s is a new row", async (_, change) => {
    const base = {
      subjectType: "contact",
      subjectId: unique("contact"),
      kind: "objection",
      agentId: "nurture",
      content: "Prefers calls after 5pm",
    };
    const first = await ctx.admin.writeMemory({ memory: base });
    const other = await ctx.admin.writeMemory({ memory: { ...base, ...change } });
    expect(outcomeName(other.outcome)).toBe("CREATED");
    expect(other.memory?.id).not.toBe(first.memory?.id);
    expect(other.memory?.revision).toBe(1n);
  });

  it("a keyless write repeating a deleted memory creates a new row instead of merging", async () => {
    const memory = pitch({ content: "Asked about SSO" });
    const first = await ctx.admin.writeMemory({ memory });
    await ctx.admin.deleteMemory({ id: first.memory!.id });
    const second = await ctx.admin.writeMemory({ memory });
    expect(outcomeName(second.outcome)).toBe("CREATED");
    expect(second.memory?.id).not.toBe(first.memory?.id);
  });
});

describe("concurrent writers", () => {
  it("50 concurrent writes of one key over 50 separate connections make one row and one CREATED", async () => {
    const subjectId = unique("contact");
    const protocols: Protocol[] = ["connect-h1", "connect-h2", "grpc"];
    // A client per writer: each Connect/gRPC transport opens its own HTTP connection(s).
    const clients = Array.from({ length: 50 }, (_, i) =>
      memoryClient(ctx.server.baseUrl, ctx.server.adminKey, protocols[i % 3]),
    );
    const responses = await Promise.all(
      clients.map((client, i) =>
        client.writeMemory({
          memory: { subjectType: "contact", subjectId, kind: "pitch", key: "race", content: `writer ${i}` },
        }),
      ),
    );
    const outcomes = responses.map((r) => outcomeName(r.outcome));
    expect(outcomes.filter((o) => o === "CREATED")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "UPDATED")).toHaveLength(49);
    expect(new Set(responses.map((r) => r.memory?.id)).size).toBe(1);
    expect(sorted(responses.map((r) => String(r.memory?.revision)))).toEqual(
      sorted(Array.from({ length: 50 }, (_, i) => String(i + 1))),
    );

    const rows = await everythingAbout(ctx.admin, "contact", subjectId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.revision).toBe(50n);
  });
});

describe("request_id makes retries idempotent", () => {
  it("a retry returns the first response and writes nothing more", async () => {
    const request = { memory: pitch({ content: "Pitched the ROI calculator" }), requestId: unique("req") };
    const first = await ctx.admin.writeMemory(request);
    expect(outcomeName(first.outcome)).toBe("CREATED");
    const retry = await ctx.admin.writeMemory(request);
    // Re-executing the write would have MERGED it (revision 2); the retry replays CREATED.
    expect(outcomeName(retry.outcome)).toBe("CREATED");
    expect(retry.memory?.id).toBe(first.memory?.id);
    expect(retry.memory?.revision).toBe(1n);

    const rows = await everythingAbout(ctx.admin, "contact", request.memory.subjectId as string);
    expect(rows.map((r) => [r.id, r.revision])).toEqual([[first.memory!.id, 1n]]);
  });

  it("reusing a request_id for a different request is ALREADY_EXISTS / REQUEST_ID_REUSED", async () => {
    const requestId = unique("req");
    const memory = pitch();
    await ctx.admin.writeMemory({ memory, requestId });
    await expectError(
      ctx.admin.writeMemory({ memory: { ...memory, content: "something else" }, requestId }),
      Code.AlreadyExists,
      "REQUEST_ID_REUSED",
    );
    const rows = await everythingAbout(ctx.admin, "contact", memory.subjectId as string);
    expect(rows.map((r) => r.content)).toEqual(["Pitched sequences"]);
  });

  it("concurrent retries of one request_id over separate connections make one row", async () => {
    const request = { memory: pitch({ content: "Sent the case study" }), requestId: unique("req") };
    const clients = Array.from({ length: 20 }, (_, i) =>
      memoryClient(ctx.server.baseUrl, ctx.server.adminKey, i % 2 ? "connect-h2" : "connect-h1"),
    );
    const responses = await Promise.all(clients.map((c) => c.writeMemory(request)));
    expect(new Set(responses.map((r) => r.memory?.id)).size).toBe(1);
    expect(new Set(responses.map((r) => outcomeName(r.outcome)))).toEqual(new Set(["CREATED"]));
    expect(new Set(responses.map((r) => r.memory?.revision))).toEqual(new Set([1n]));
    const rows = await everythingAbout(ctx.admin, "contact", request.memory.subjectId as string);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.revision).toBe(1n);
  });
});

describe("validate_only is a dry run", () => {
  /** Runs the dry write and asserts the subject's memories are exactly as before. */
  async function dryRun(memory: MemoryInit, agentId = "") {
    const before = await everythingAbout(ctx.admin, memory.subjectType as string, memory.subjectId as string, agentId);
    const res = await ctx.admin.writeMemory({ memory, validateOnly: true });
    const after = await everythingAbout(ctx.admin, memory.subjectType as string, memory.subjectId as string, agentId);
    expect(after).toEqual(before);
    return res;
  }

  it("a new key: CREATED, nothing written", async () => {
    const res = await dryRun(pitch({ key: "new" }));
    expect(outcomeName(res.outcome)).toBe("CREATED");
    expect(res.memory?.content).toBe("Pitched sequences");
  });

  it("an active key: UPDATED, revision and content unchanged", async () => {
    const written = await ctx.admin.writeMemory({ memory: pitch({ key: "k" }) });
    const m = written.memory!;
    const res = await dryRun(pitch({ subjectId: m.subjectId, key: "k", content: "changed" }));
    expect(outcomeName(res.outcome)).toBe("UPDATED");
    expect(res.memory?.id).toBe(m.id);
    const got = await ctx.admin.getMemory({ id: m.id });
    expect(got.memory).toMatchObject({ revision: 1n, content: "Pitched sequences" });
  });

  it("a deleted key: REVIVED, still deleted", async () => {
    const written = await ctx.admin.writeMemory({ memory: pitch({ key: "k" }) });
    const m = written.memory!;
    await ctx.admin.deleteMemory({ id: m.id });
    const res = await dryRun(pitch({ subjectId: m.subjectId, key: "k" }));
    expect(outcomeName(res.outcome)).toBe("REVIVED");
    expect(res.memory?.id).toBe(m.id);
    expect((await ctx.admin.getMemory({ id: m.id })).memory).toMatchObject({
      state: MemoryState.DELETED,
      revision: 2n,
    });
  });

  it("a keyless duplicate: MERGED, tags not merged", async () => {
    const written = await ctx.admin.writeMemory({ memory: pitch({ tags: ["a"] }) });
    const m = written.memory!;
    const res = await dryRun(pitch({ subjectId: m.subjectId, content: "PITCHED  sequences", tags: ["b"] }));
    expect(outcomeName(res.outcome)).toBe("MERGED");
    expect(res.memory?.id).toBe(m.id);
    expect(sorted(res.memory!.tags)).toEqual(["a", "b"]);
    expect((await ctx.admin.getMemory({ id: m.id })).memory).toMatchObject({ tags: ["a"], revision: 1n });
  });

  it("with a request_id, a dry run does not use up the id", async () => {
    const memory = pitch({ key: "k" });
    const requestId = unique("req");
    const dry = await ctx.admin.writeMemory({ memory, requestId, validateOnly: true });
    expect(outcomeName(dry.outcome)).toBe("CREATED");
    expect(dry.memory?.id).toBe(""); // a preview: nothing was assigned
    // Had the dry run claimed the id, this would replay the preview (empty id) instead of writing.
    const real = await ctx.admin.writeMemory({ memory, requestId });
    expect(outcomeName(real.outcome)).toBe("CREATED");
    expect(real.memory?.id).not.toBe("");
    expect((await ctx.admin.getMemory({ id: real.memory!.id })).memory?.revision).toBe(1n);
  });
});

describe("BatchWriteMemories", () => {
  const oversizedMetadata = { blob: "x".repeat(70 * 1024) };

  async function batchScenario(atomic: boolean) {
    const subjectId = unique("contact");
    const item = (n: number, extra: MemoryInit = {}) => ({
      memory: { subjectType: "contact", subjectId, kind: "note", key: `k${n}`, content: `note ${n}`, ...extra },
    });
    const requests = [item(1), item(2), item(3, { metadata: oversizedMetadata }), item(4)];
    return { subjectId, call: ctx.admin.batchWriteMemories({ atomic, requests }) };
  }

  it("atomic: a failing item (metadata over 64 KiB) fails the call and nothing is written", async () => {
    const { subjectId, call } = await batchScenario(true);
    const err = await expectError(call, Code.InvalidArgument, "METADATA_TOO_LARGE");
    expect(violatedFields(err)).toEqual(["requests[2].memory.metadata"]);
    expect(await everythingAbout(ctx.admin, "contact", subjectId)).toEqual([]);
  });

  it("non-atomic: per-item results, a google.rpc.Status on the failing item, the others written", async () => {
    const { subjectId, call } = await batchScenario(false);
    const res = await call;
    expect(res.results.map((r) => r.result.case)).toEqual(["response", "response", "error", "response"]);
    const failed = res.results[2]!.result;
    if (failed.case !== "error") throw new Error("expected an error");
    expect(Code[failed.value.code]).toBe("InvalidArgument");
    expect(statusReason(failed.value)).toBe("METADATA_TOO_LARGE");
    const written = res.results.flatMap((r) => (r.result.case === "response" ? [r.result.value] : []));
    expect(written.map((w) => outcomeName(w.outcome))).toEqual(["CREATED", "CREATED", "CREATED"]);
    const rows = await everythingAbout(ctx.admin, "contact", subjectId);
    expect(sorted(rows.map((r) => r.key))).toEqual(["k1", "k2", "k4"]);
  });

  describe("with an agent-bound key, an item naming another agent", () => {
    async function agentScenario() {
      const key = await ctx.server.createKey({ scopes: ["memory:read", "memory:write"], agentId: "nurture" });
      const client = memoryClient(ctx.server.baseUrl, key);
      const subjectId = unique("contact");
      const item = (agentId: string, n: number) => ({
        memory: {
          agentId,
          subjectType: "contact",
          subjectId,
          kind: "note",
          key: `k${n}`,
          content: `note ${n}`,
          visibility: Visibility.SHARED,
        },
      });
      return { client, subjectId, requests: [item("nurture", 1), item("", 2), item("support", 3), item("nurture", 4)] };
    }

    it("atomic: PERMISSION_DENIED and nothing written", async () => {
      const { client, subjectId, requests } = await agentScenario();
      await expectError(client.batchWriteMemories({ atomic: true, requests }), Code.PermissionDenied, "AGENT_MISMATCH");
      expect(await everythingAbout(ctx.admin, "contact", subjectId)).toEqual([]);
    });

    it("non-atomic: PERMISSION_DENIED on that item only", async () => {
      const { client, subjectId, requests } = await agentScenario();
      const res = await client.batchWriteMemories({ atomic: false, requests });
      expect(res.results.map((r) => r.result.case)).toEqual(["response", "response", "error", "response"]);
      const failed = res.results[2]!.result;
      if (failed.case !== "error") throw new Error("expected an error");
      expect(Code[failed.value.code]).toBe("PermissionDenied");
      expect(statusReason(failed.value)).toBe("AGENT_MISMATCH");
      const rows = await everythingAbout(ctx.admin, "contact", subjectId);
      expect(sorted(rows.map((r) => `${r.key}:${r.agentId}`))).toEqual(["k1:nurture", "k2:nurture", "k4:nurture"]);
    });
  });

  it("an item breaking a declared rule (ttl and expire_time) rejects the whole call, nothing written", async () => {
    const subjectId = unique("contact");
    const err = await expectError(
      ctx.admin.batchWriteMemories({
        atomic: false,
        requests: [
          { memory: { subjectType: "contact", subjectId, kind: "note", content: "fine" } },
          {
            memory: { subjectType: "contact", subjectId, kind: "note", content: "both", expireTime: hoursFromNow(1) },
            ttl: { seconds: 60n },
          },
        ],
      }),
      Code.InvalidArgument,
    );
    expect(err.rawMessage).toContain("ttl");
    expect(await everythingAbout(ctx.admin, "contact", subjectId)).toEqual([]);
  });

  it("atomic success: every item written, outcomes in request order", async () => {
    const subjectId = unique("contact");
    const memory = (key: string, content: string) => ({
      subjectType: "contact",
      subjectId,
      kind: "note",
      key,
      content,
    });
    const res = await ctx.admin.batchWriteMemories({
      atomic: true,
      requests: [{ memory: memory("a", "one") }, { memory: memory("b", "two") }, { memory: memory("a", "one again") }],
    });
    const outcomes = res.results.map((r) =>
      r.result.case === "response" ? outcomeName(r.result.value.outcome) : "error",
    );
    expect(outcomes).toEqual(["CREATED", "CREATED", "UPDATED"]);
    const rows = await everythingAbout(ctx.admin, "contact", subjectId);
    expect(rows.map((r) => [r.key, r.content])).toEqual([
      ["a", "one again"],
      ["b", "two"],
    ]);
  });
});
