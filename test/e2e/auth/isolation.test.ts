import { randomUUID } from "node:crypto";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryState, Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { MemoryService, WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { apiKeyClient, memoryClient } from "../../support/clients.js";
import { expectError, failure, reasonOf } from "../../support/codes.js";
import { aMemory, aSubject, writeMemory } from "../../support/factories/memory.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { clientWithKey } from "../../support/factories/key.js";

type MemoryClient = Client<typeof MemoryService>;

let server: TestServer;
let agentA: string;
let agentB: string;
let asA: MemoryClient;
let asB: MemoryClient;
let asAdmin: MemoryClient;

beforeAll(async () => {
  server = await startTestServer();
  agentA = `agent-a-${randomUUID()}`;
  agentB = `agent-b-${randomUUID()}`;
  asA = await clientWithKey(server, { agentId: agentA });
  asB = await clientWithKey(server, { agentId: agentB });
  asAdmin = memoryClient(server.baseUrl, server.adminKey);
});
afterAll(async () => {
  await server?.close();
});

async function listIds(
  client: MemoryClient,
  subjectId: string,
  extra: { showDeleted?: boolean } = {},
): Promise<string[]> {
  const res = await client.listMemories({ filter: { subjectId, ...extra }, pageSize: 500 });
  return res.memories.map((m) => m.id);
}

/** The fields any change to a memory would touch (the embedding may still be attached meanwhile). */
function unchanged(m: Memory) {
  return { id: m.id, revision: m.revision, content: m.content, updateTime: m.updateTime, state: m.state };
}

/** Every way to name a memory by id, with what the call needs besides the id. */
const BY_ID = {
  get: (c: MemoryClient, id: string) => c.getMemory({ id }),
  update: (c: MemoryClient, id: string) =>
    c.updateMemory({ id, memory: { content: "overwritten" }, updateMask: { paths: ["content"] } }),
  delete: (c: MemoryClient, id: string) => c.deleteMemory({ id, reason: "not mine" }),
  undelete: (c: MemoryClient, id: string) => c.undeleteMemory({ id }),
} as const;

describe("agent-bound keys and private memories", () => {
  it("admin of the workspace can read A's private memory (the id is real)", async () => {
    const secret = await writeMemory(asA, aMemory({ content: "A's secret plan" }));
    const got = await asAdmin.getMemory({ id: secret.id });
    expect(got.memory?.content).toBe("A's secret plan");
    expect(got.memory?.agentId).toBe(agentA);
    expect(got.memory?.visibility).toBe(Visibility.PRIVATE);
  });

  it.each(Object.keys(BY_ID) as (keyof typeof BY_ID)[])(
    "B cannot %s A's private memory: NOT_FOUND, and the memory is unchanged",
    async (op) => {
      const s = aSubject();
      const secret = await writeMemory(asA, aMemory({ ...s, content: `A's secret ${op}` }));
      if (op === "undelete") await asA.deleteMemory({ id: secret.id });
      const before = (await asA.getMemory({ id: secret.id })).memory!;

      await expectError(BY_ID[op](asB, secret.id), Code.NotFound, "MEMORY_NOT_FOUND");

      const after = (await asA.getMemory({ id: secret.id })).memory!;
      expect(after.revision).toBe(before.revision);
      expect(after.content).toBe(`A's secret ${op}`);
      expect(after.state).toBe(op === "undelete" ? MemoryState.DELETED : MemoryState.ACTIVE);
    },
  );

  it("B's list leaves out A's private memories, deleted ones included", async () => {
    const s = aSubject();
    const active = await writeMemory(asA, aMemory({ ...s, content: "private active" }));
    const deleted = await writeMemory(asA, aMemory({ ...s, content: "private deleted" }));
    await asA.deleteMemory({ id: deleted.id });
    const own = await writeMemory(asB, aMemory({ ...s, content: "B's own" }));

    expect(await listIds(asB, s.subjectId, { showDeleted: true })).toEqual([own.id]);
    expect((await listIds(asA, s.subjectId, { showDeleted: true })).sort()).toEqual([active.id, deleted.id].sort());
    // Filtering on private visibility does not reveal A's private memories either.
    const privateOnly = await asB.listMemories({ filter: { subjectId: s.subjectId, visibility: Visibility.PRIVATE } });
    expect(privateOnly.memories.map((m) => m.id)).toEqual([own.id]);
  });

  it("B can read A's shared memory by get and list, but not update, delete or undelete it", async () => {
    const s = aSubject();
    const shared = await writeMemory(asA, aMemory({ ...s, content: "shared insight", visibility: Visibility.SHARED }));

    expect((await asB.getMemory({ id: shared.id })).memory?.content).toBe("shared insight");
    expect(await listIds(asB, s.subjectId)).toEqual([shared.id]);

    await expectError(BY_ID.update(asB, shared.id), Code.PermissionDenied, "NOT_OWNER");
    await expectError(BY_ID.delete(asB, shared.id), Code.PermissionDenied, "NOT_OWNER");
    await asA.deleteMemory({ id: shared.id });
    await expectError(BY_ID.undelete(asB, shared.id), Code.PermissionDenied, "NOT_OWNER");

    const after = (await asA.getMemory({ id: shared.id })).memory!;
    expect(after.content).toBe("shared insight");
    expect(after.state).toBe(MemoryState.DELETED);
  });

  it("a memory with no owner agent is read by any key but updated, deleted or undeleted by admin only (DESIGN 5)", async () => {
    const unbound = await clientWithKey(server);
    const s = aSubject();
    const ownerless = await writeMemory(asAdmin, aMemory({ ...s, content: "ownerless note" }));
    expect(ownerless.agentId).toBe("");

    for (const reader of [asA, unbound]) {
      expect((await reader.getMemory({ id: ownerless.id })).memory?.content).toBe("ownerless note");
      await expectError(BY_ID.update(reader, ownerless.id), Code.PermissionDenied, "NOT_OWNER");
      await expectError(BY_ID.delete(reader, ownerless.id), Code.PermissionDenied, "NOT_OWNER");
    }
    expect((await asAdmin.getMemory({ id: ownerless.id })).memory).toMatchObject(unchanged(ownerless));

    await asAdmin.deleteMemory({ id: ownerless.id });
    for (const reader of [asA, unbound]) {
      await expectError(BY_ID.undelete(reader, ownerless.id), Code.PermissionDenied, "NOT_OWNER");
    }
    expect((await asAdmin.getMemory({ id: ownerless.id })).memory?.state).toBe(MemoryState.DELETED);
    await asAdmin.undeleteMemory({ id: ownerless.id });
    const updated = await BY_ID.update(asAdmin, ownerless.id);
    expect(updated.memory?.content).toBe("overwritten");
  });

  it("B writing A's content or key in the same subject creates B's own memory, never touching A's", async () => {
    const s = aSubject();
    const secret = await writeMemory(asA, aMemory({ ...s, content: "same words" }));
    const keyed = await writeMemory(asA, aMemory({ ...s, key: "shared-key", content: "A's keyed" }));

    const dryRun = await asB.writeMemory({ memory: { ...s, content: "same words" }, validateOnly: true });
    expect(dryRun.outcome).toBe(WriteOutcome.CREATED);
    expect(dryRun.reason).not.toContain(secret.id);

    const merged = await asB.writeMemory({ memory: { ...s, content: "same words" } });
    expect(merged.outcome).toBe(WriteOutcome.CREATED);
    expect(merged.memory?.id).not.toBe(secret.id);
    expect(merged.memory?.agentId).toBe(agentB);

    const upserted = await asB.writeMemory({ memory: { ...s, key: "shared-key", content: "B's keyed" } });
    expect(upserted.outcome).toBe(WriteOutcome.CREATED);
    expect(upserted.memory?.id).not.toBe(keyed.id);

    expect((await asA.getMemory({ id: keyed.id })).memory?.content).toBe("A's keyed");
    expect((await asA.getMemory({ id: secret.id })).memory?.revision).toBe(1n);
  });

  it("a bound key naming another agent is PERMISSION_DENIED on every RPC", async () => {
    const mine = await writeMemory(asB, aMemory());
    const asOther = { memory: { ...aSubject(), content: "x", agentId: agentA } };
    const calls: Record<string, () => Promise<unknown>> = {
      write: () => asB.writeMemory(asOther),
      atomicBatch: () => asB.batchWriteMemories({ requests: [asOther], atomic: true }),
      get: () => asB.getMemory({ id: mine.id, agentId: agentA }),
      list: () => asB.listMemories({ filter: { agentId: agentA } }),
      update: () =>
        asB.updateMemory({
          id: mine.id,
          agentId: agentA,
          memory: { content: "y" },
          updateMask: { paths: ["content"] },
        }),
      delete: () => asB.deleteMemory({ id: mine.id, agentId: agentA }),
      undelete: () => asB.undeleteMemory({ id: mine.id, agentId: agentA }),
    };
    for (const [name, call] of Object.entries(calls)) {
      const err = await failure(call());
      expect(Code[err.code], name).toBe(Code[Code.PermissionDenied]);
      expect(reasonOf(err), name).toBe("AGENT_MISMATCH");
    }
    // A non-atomic batch fails that item alone.
    const batch = await asB.batchWriteMemories({ requests: [{ memory: { ...aSubject(), content: "ok" } }, asOther] });
    expect(batch.results[0]?.result.case).toBe("response");
    const itemError = batch.results[1]?.result;
    expect(itemError?.case).toBe("error");
    if (itemError?.case === "error") {
      expect(itemError.value.code).toBe(Code.PermissionDenied);
      const info = itemError.value.details.map((d) => anyUnpack(d, ErrorInfoSchema));
      expect(info[0]?.reason).toBe("AGENT_MISMATCH");
    }
    // Nothing was written as A, and B's memory is untouched.
    expect((await asA.listMemories({ filter: { subjectId: asOther.memory.subjectId } })).memories).toEqual([]);
    expect((await asB.getMemory({ id: mine.id })).memory).toMatchObject(unchanged(mine));
    // Naming its own agent is fine.
    expect((await asB.getMemory({ id: mine.id, agentId: agentB })).memory?.id).toBe(mine.id);
  });
});

describe("errors never reveal that a hidden memory exists", () => {
  it.each(Object.keys(BY_ID) as (keyof typeof BY_ID)[])(
    "%s of A's private memory fails exactly like the same call on an id that does not exist",
    async (op) => {
      const secret = await writeMemory(
        asA,
        aMemory({ title: "Acme merger", content: "A's confidential note", tags: ["deal:acme"] }),
      );
      const missing = randomUUID();
      const hidden = await failure(BY_ID[op](asB, secret.id));
      const absent = await failure(BY_ID[op](asB, missing));

      expect(hidden.code).toBe(Code.NotFound);
      expect(hidden.code).toBe(absent.code);
      expect(hidden.rawMessage.replace(secret.id, "<id>")).toBe(absent.rawMessage.replace(missing, "<id>"));
      const info = (e: ConnectError) =>
        e.findDetails(ErrorInfoSchema).map((d) => ({ reason: d.reason, domain: d.domain, metadata: d.metadata }));
      expect(info(hidden)).toEqual(info(absent));
      expect(info(hidden)[0]?.reason).toBe("MEMORY_NOT_FOUND");
      expect(hidden.details.length).toBe(absent.details.length);
      for (const leak of [agentA, "Acme", "confidential", "deal:acme", secret.subjectId]) {
        expect(hidden.rawMessage).not.toContain(leak);
      }
    },
  );
});

describe("idempotent retries never cross agents or workspaces", () => {
  it("B reusing A's request_id gets its own fresh write, and each retry returns its own first response", async () => {
    const requestId = `req-${randomUUID()}`;
    const request = { memory: { ...aSubject(), content: "idempotent body" }, requestId };

    const first = await asA.writeMemory(request);
    const fromB = await asB.writeMemory(request);
    expect(fromB.outcome).toBe(WriteOutcome.CREATED);
    expect(fromB.memory?.id).not.toBe(first.memory?.id);
    expect(fromB.memory?.agentId).toBe(agentB);

    expect((await asA.writeMemory(request)).memory?.id).toBe(first.memory?.id);
    expect((await asB.writeMemory(request)).memory?.id).toBe(fromB.memory?.id);
    // B still cannot see A's memory through its own id.
    await expectError(asB.getMemory({ id: first.memory!.id }), Code.NotFound, "MEMORY_NOT_FOUND");
  });

  it("another workspace reusing a request_id gets its own fresh write", async () => {
    const requestId = `req-${randomUUID()}`;
    const request = { memory: { ...aSubject(), content: "workspace body" }, requestId };
    const other = memoryClient(server.baseUrl, await server.createKey({ workspaceId: `other-${randomUUID()}` }));

    const mine = await asAdmin.writeMemory(request);
    const theirs = await other.writeMemory(request);
    expect(theirs.outcome).toBe(WriteOutcome.CREATED);
    expect(theirs.memory?.id).not.toBe(mine.memory?.id);
    expect(theirs.memory?.workspaceId).not.toBe(server.workspaceId);
  });
});

describe("workspaces", () => {
  it("a key of another workspace, even an admin one, sees and changes nothing of this one", async () => {
    const s = aSubject();
    const shared = await writeMemory(asA, aMemory({ ...s, content: "shared in X", visibility: Visibility.SHARED }));
    const ownerless = await writeMemory(asAdmin, aMemory({ ...s, content: "ownerless in X" }));
    const otherWorkspace = `other-${randomUUID()}`;
    const outsiders = [
      await clientWithKey(server, { workspaceId: otherWorkspace }),
      await clientWithKey(server, { workspaceId: otherWorkspace, scopes: ["admin"] }),
    ];

    for (const outsider of outsiders) {
      for (const target of [shared, ownerless]) {
        await expectError(BY_ID.get(outsider, target.id), Code.NotFound, "MEMORY_NOT_FOUND");
        await expectError(BY_ID.update(outsider, target.id), Code.NotFound, "MEMORY_NOT_FOUND");
        await expectError(BY_ID.delete(outsider, target.id), Code.NotFound, "MEMORY_NOT_FOUND");
      }
      expect(await listIds(outsider, s.subjectId, { showDeleted: true })).toEqual([]);
      const everything = await outsider.listMemories({
        filter: { showDeleted: true, showExpired: true },
        pageSize: 500,
      });
      expect(everything.memories.filter((m) => m.workspaceId !== otherWorkspace)).toEqual([]);
    }
    expect((await asAdmin.getMemory({ id: shared.id })).memory?.content).toBe("shared in X");
    expect((await asAdmin.getMemory({ id: ownerless.id })).memory?.state).toBe(MemoryState.ACTIVE);
  });
});

describe("scopes and authentication", () => {
  it("a read-only key reads but cannot write, update, delete or undelete", async () => {
    const reader = await clientWithKey(server, { scopes: ["memory:read"] });
    const s = aSubject();
    const target = await writeMemory(asAdmin, aMemory({ ...s, content: "readable" }));
    expect((await reader.getMemory({ id: target.id })).memory?.content).toBe("readable");

    const calls: Record<string, () => Promise<unknown>> = {
      write: () => reader.writeMemory({ memory: { ...s, content: "nope" } }),
      batch: () => reader.batchWriteMemories({ requests: [{ memory: { ...s, content: "nope" } }] }),
      update: () => BY_ID.update(reader, target.id),
      delete: () => BY_ID.delete(reader, target.id),
      undelete: () => BY_ID.undelete(reader, target.id),
    };
    for (const [name, call] of Object.entries(calls)) {
      const err = await failure(call());
      expect(Code[err.code], name).toBe(Code[Code.PermissionDenied]);
      expect(reasonOf(err), name).toBe("MISSING_SCOPE");
    }
    expect(await listIds(asAdmin, s.subjectId, { showDeleted: true })).toEqual([target.id]);
    expect((await asAdmin.getMemory({ id: target.id })).memory?.revision).toBe(1n);
  });

  it("a write-only key cannot search; a malformed search from it is refused as malformed", async () => {
    const writer = await clientWithKey(server, { scopes: ["memory:write"] });
    const search = async (query: string) => {
      // Draining the stream is what surfaces its error.
      for await (const _ of writer.searchMemories({ query })) void _;
    };
    await expectError(search("anything"), Code.PermissionDenied, "MISSING_SCOPE");
    // Validation comes first, as for every other method: the caller learns what to fix.
    await expectError(search(""), Code.InvalidArgument);
  });

  it("a write-only key cannot read", async () => {
    const writer = await clientWithKey(server, { scopes: ["memory:write"] });
    const mine = await writeMemory(writer, aMemory());
    await expectError(writer.getMemory({ id: mine.id }), Code.PermissionDenied, "MISSING_SCOPE");
    await expectError(writer.listMemories({}), Code.PermissionDenied, "MISSING_SCOPE");
  });

  it("a request without a key, or with an unknown one, is UNAUTHENTICATED", async () => {
    const anonymous = createClient(
      MemoryService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    );
    await expectError(anonymous.listMemories({}), Code.Unauthenticated, "MISSING_API_KEY");
    await expectError(
      anonymous.writeMemory({ memory: { ...aSubject(), content: "x" } }),
      Code.Unauthenticated,
      "MISSING_API_KEY",
    );
    const forged = memoryClient(server.baseUrl, `egm_${randomUUID()}`);
    await expectError(forged.listMemories({}), Code.Unauthenticated, "INVALID_API_KEY");
  });

  it("a key revoked through ApiKeyService is UNAUTHENTICATED from then on", async () => {
    const admin = apiKeyClient(server.baseUrl, server.adminKey);
    const created = await admin.createApiKey({
      apiKey: { displayName: "to revoke", scopes: ["memory:read", "memory:write"] },
    });
    const doomed = memoryClient(server.baseUrl, created.secret);
    const before = await writeMemory(doomed, aMemory());
    expect((await doomed.getMemory({ id: before.id })).memory?.id).toBe(before.id);

    const revoked = await admin.revokeApiKey({ id: created.apiKey!.id });
    expect(revoked.apiKey?.revokeTime).toBeDefined();

    await expectError(doomed.getMemory({ id: before.id }), Code.Unauthenticated, "INVALID_API_KEY");
    await expectError(
      doomed.writeMemory({ memory: { ...aSubject(), content: "after revoke" } }),
      Code.Unauthenticated,
      "INVALID_API_KEY",
    );
    // What it wrote before stays.
    expect((await asAdmin.getMemory({ id: before.id })).memory?.state).toBe(MemoryState.ACTIVE);
  });
});
