/**
 * The write pipeline through the real MemoryService, without HTTP: what each outcome leaves
 * in the table, that a refused call changes nothing, and that scopes and agent bindings hold.
 */
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryState } from "../../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { refusal } from "../../../support/codes.js";
import { aSubject, rowsAbout } from "../../../support/factories/memory.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

describe("keyed writes", () => {
  it("create, update and, after a delete, revive one row at the natural key", async () => {
    // Memories without an owner agent are changed (deleted) by admins only.
    const client = services.memories({ scopes: ["admin", "memory:read", "memory:write"] });
    const at = { ...aSubject(), key: "stage" };
    const created = await client.writeMemory({ memory: { ...at, content: "lead" } });
    const updated = await client.writeMemory({ memory: { ...at, content: "qualified" } });
    expect([created.outcome, updated.outcome]).toEqual([WriteOutcome.CREATED, WriteOutcome.UPDATED]);
    expect(updated.memory?.id).toBe(created.memory?.id);
    expect(updated.memory?.revision).toBe(2n);

    await client.deleteMemory({ id: created.memory?.id ?? "" });
    const revived = await client.writeMemory({ memory: { ...at, content: "customer" } });
    expect(revived.outcome).toBe(WriteOutcome.REVIVED);
    expect(revived.memory).toMatchObject({ id: created.memory?.id, content: "customer", state: MemoryState.ACTIVE });
    expect(await rowsAbout(services.db, at.subjectId)).toBe(1);
  });

  it("validate_only reports the outcome a write would have and writes nothing", async () => {
    const at = aSubject();
    const preview = await services.memories().writeMemory({ memory: { ...at, content: "x" }, validateOnly: true });
    expect(preview.outcome).toBe(WriteOutcome.CREATED);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(0);
  });
});

describe("keyless writes", () => {
  it("merge a repeat of the same content (ignoring case and spacing) into the first memory", async () => {
    const client = services.memories();
    const at = aSubject();
    const first = await client.writeMemory({ memory: { ...at, content: "Prefers  email", tags: ["a"] } });
    const repeat = await client.writeMemory({ memory: { ...at, content: "prefers email", tags: ["b"] } });
    expect(repeat.outcome).toBe(WriteOutcome.MERGED);
    expect(repeat.memory?.id).toBe(first.memory?.id);
    expect(repeat.memory?.tags).toEqual(["a", "b"]);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(1);
  });
});

describe("request ids", () => {
  it("answer a retry with the first response and refuse the id for a different request", async () => {
    const client = services.memories();
    const at = aSubject();
    const requestId = randomUUID();
    const first = await client.writeMemory({ memory: { ...at, content: "one" }, requestId });
    const retry = await client.writeMemory({ memory: { ...at, content: "one" }, requestId });
    expect(retry).toEqual(first);
    const err = await refusal(client.writeMemory({ memory: { ...at, content: "two" }, requestId }));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(1);
  });
});

describe("refused writes change nothing", () => {
  it("a write without content is INVALID_ARGUMENT", async () => {
    const at = aSubject();
    const err = await refusal(services.memories().writeMemory({ memory: { ...at, content: "" } }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(0);
  });

  it("a caller with only memory:read is PERMISSION_DENIED", async () => {
    const at = aSubject();
    const reader = services.memories({ scopes: ["memory:read"] });
    const err = await refusal(reader.writeMemory({ memory: { ...at, content: "x" } }));
    expect(err.code).toBe(Code.PermissionDenied);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(0);
  });

  it("a key bound to one agent cannot write as another", async () => {
    const at = aSubject();
    const bound = services.memories({ agentId: "agent-a" });
    const err = await refusal(bound.writeMemory({ memory: { ...at, agentId: "agent-b", content: "x" } }));
    expect(err.code).toBe(Code.PermissionDenied);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(0);
  });
});
