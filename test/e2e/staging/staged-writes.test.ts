/**
 * Staged writes round trip over gRPC, REST and MCP on a real server: stage (checked and
 * guarded like the write, nothing stored), list, read, apply (exactly the write), discard,
 * expire; and who may see and resolve them.
 */
import { randomUUID } from "node:crypto";
import { Code, createClient, type Client as RpcClient } from "@connectrpc/connect";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteService, StagedWriteState } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { memoryClient, transport, restJson } from "../../support/clients.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { refusal } from "../../support/codes.js";
import { aNote } from "../../support/factories/memory.js";
import { aServerWorkspace, aWorkspaceId } from "../../support/factories/workspace.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let server: TestServer;
const mcpClients: Client[] = [];
beforeAll(async () => {
  // Vectors, so that the write guard lists possible conflicts (the tenancy tests below need them).
  server = await startTestServer({}, { embedder: new WordHashEmbedder() });
});
afterAll(async () => {
  await Promise.all(mcpClients.map((c) => c.close()));
  await server?.close();
});

const staged = (key: string) => createClient(StagedWriteService, transport(server.baseUrl, key, "grpc"));

async function rest(key: string, method: string, path: string, body?: Json): Promise<{ status: number; json: Json }> {
  const { status, body: json } = await restJson(server.baseUrl, key, method, path, body);
  return { status, json };
}

async function mcp(
  key: string,
): Promise<(name: string, args: Json) => Promise<{ error: boolean; json: Json; text: string }>> {
  const client = new Client({ name: "engram-staging-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  mcpClients.push(client);
  return async (name, args) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
    return { error: result.isError === true, text, json: result.isError ? {} : (JSON.parse(text) as Json) };
  };
}

async function rowsAbout(subjectId: string): Promise<number> {
  return (
    await memoryClient(server.baseUrl, server.adminKey).listMemories({ filter: { subjectId, showDeleted: true } })
  ).memories.length;
}

describe("over gRPC", () => {
  let client: RpcClient<typeof StagedWriteService>;
  beforeAll(async () => {
    client = staged(await server.createKey({ agentId: "planner" }));
  });

  it("stage, list, get and apply: the preview is what the write then does, and only then is it stored", async () => {
    const subjectId = randomUUID();
    const { stagedWrite } = await client.createStagedWrite({
      requests: [
        { memory: aNote(subjectId, "Renewal risk: champion left in Q2.") },
        { memory: aNote(subjectId, "the of and") },
      ],
    });
    expect(stagedWrite).toMatchObject({ state: StagedWriteState.PENDING, agentId: "planner", atomic: false });
    expect(stagedWrite?.stagedByKeyId).not.toBe("");
    expect(stagedWrite?.requests[0]?.memory?.agentId).toBe("planner");
    const preview = stagedWrite?.preview.map((r) => (r.result.case === "response" ? r.result.value.outcome : null));
    expect(preview).toEqual([WriteOutcome.CREATED, WriteOutcome.REJECTED]);
    expect(await rowsAbout(subjectId)).toBe(0);

    const id = stagedWrite?.id ?? "";
    const listed = await client.listStagedWrites({ state: StagedWriteState.PENDING });
    expect(listed.stagedWrites.map((s) => s.id)).toContain(id);
    expect((await client.getStagedWrite({ id })).stagedWrite?.requests).toHaveLength(2);

    const applied = await client.applyStagedWrite({ id });
    expect(applied.stagedWrite?.state).toBe(StagedWriteState.APPLIED);
    expect(applied.stagedWrite?.resolveTime).toBeDefined();
    const results = applied.stagedWrite?.results.map((r) => (r.result.case === "response" ? r.result.value : null));
    expect(results?.map((r) => r?.outcome)).toEqual([WriteOutcome.CREATED, WriteOutcome.REJECTED]);
    expect(results?.[0]?.memory).toMatchObject({ agentId: "planner", content: "Renewal risk: champion left in Q2." });
    expect(await rowsAbout(subjectId)).toBe(1);
    // Stored with the staged write: reading it again gives the same results.
    expect((await client.getStagedWrite({ id })).stagedWrite?.results).toEqual(applied.stagedWrite?.results);

    const again = await refusal(client.applyStagedWrite({ id }));
    expect(again.code).toBe(Code.FailedPrecondition);
    expect(again.rawMessage).toMatch(/is applied/);
    expect(await rowsAbout(subjectId)).toBe(1);
  });

  it("discard writes nothing, and a discarded staged write cannot be applied", async () => {
    const subjectId = randomUUID();
    const { stagedWrite } = await client.createStagedWrite({
      requests: [{ memory: aNote(subjectId, "Prefers Slack.") }],
    });
    const id = stagedWrite?.id ?? "";
    const discarded = await client.discardStagedWrite({ id });
    expect(discarded.stagedWrite?.state).toBe(StagedWriteState.DISCARDED);
    expect((await refusal(client.applyStagedWrite({ id }))).code).toBe(Code.FailedPrecondition);
    expect(await rowsAbout(subjectId)).toBe(0);
  });

  it("expires after its ttl: EXPIRED when read or listed, and it can no longer be applied", async () => {
    const subjectId = randomUUID();
    const { stagedWrite } = await client.createStagedWrite({
      requests: [{ memory: aNote(subjectId, "Call back on Monday.") }],
      ttl: { seconds: 0n, nanos: 1_000_000 },
    });
    const id = stagedWrite?.id ?? "";
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await client.getStagedWrite({ id })).stagedWrite?.state).toBe(StagedWriteState.EXPIRED);
    const expired = await client.listStagedWrites({ state: StagedWriteState.EXPIRED });
    expect(expired.stagedWrites.map((s) => s.id)).toContain(id);
    const pending = await client.listStagedWrites({ state: StagedWriteState.PENDING });
    expect(pending.stagedWrites.map((s) => s.id)).not.toContain(id);
    const err = await refusal(client.applyStagedWrite({ id }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toMatch(/is expired/);
    expect(await rowsAbout(subjectId)).toBe(0);
  });

  it("an atomic staged write with a write the key may not make is refused whole, and nothing is staged", async () => {
    const before = (await client.listStagedWrites({})).stagedWrites.length;
    const err = await refusal(
      client.createStagedWrite({
        atomic: true,
        requests: [
          { memory: aNote(randomUUID(), "Fine.") },
          { memory: aNote(randomUUID(), "Not mine.", { agentId: "someone-else" }) },
        ],
      }),
    );
    expect(err.code).toBe(Code.PermissionDenied);
    expect((await client.listStagedWrites({})).stagedWrites.length).toBe(before);
  });

  it("an atomic staged write applies all or nothing, like an atomic batch", async () => {
    const subjectId = randomUUID();
    const { stagedWrite } = await client.createStagedWrite({
      atomic: true,
      requests: [
        { memory: aNote(subjectId, "First fact about the account.") },
        { memory: aNote(subjectId, "Second fact about the account.") },
      ],
    });
    const applied = await client.applyStagedWrite({ id: stagedWrite?.id ?? "" });
    expect(applied.stagedWrite?.results).toHaveLength(2);
    expect(await rowsAbout(subjectId)).toBe(2);
  });

  it("pages through the list newest first", async () => {
    const own = staged(await server.createKey({ agentId: `pager-${randomUUID()}` }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { stagedWrite } = await own.createStagedWrite({
        requests: [{ memory: aNote(randomUUID(), `Item ${i}`) }],
      });
      ids.push(stagedWrite?.id ?? "");
    }
    const first = await own.listStagedWrites({ pageSize: 2 });
    const second = await own.listStagedWrites({ pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.stagedWrites, ...second.stagedWrites].map((s) => s.id)).toEqual(ids.reverse());
    expect(second.nextPageToken).toBe("");
    expect((await refusal(own.listStagedWrites({ pageToken: "nonsense" }))).code).toBe(Code.InvalidArgument);
  });
});

describe("over REST", () => {
  it("POST /v1/stagedWrites, GET it and the list, POST :apply and :discard", async () => {
    const key = await server.createKey({ agentId: "rest-agent" });
    const subjectId = randomUUID();
    const write = {
      subject_type: "contact",
      subject_id: subjectId,
      kind: "note",
      content: "Prefers invoices by post.",
    };
    const created = await rest(key, "POST", "/v1/stagedWrites", { requests: [{ memory: write }] });
    expect(created.status).toBe(201);
    const id = created.json.staged_write.id as string;
    expect(created.json.staged_write).toMatchObject({ state: "pending", agent_id: "rest-agent" });
    expect(created.json.staged_write.preview[0].response.outcome).toBe("created");

    const listed = await rest(key, "GET", "/v1/stagedWrites?state=pending");
    expect(listed.json.staged_writes.map((s: Json) => s.id)).toContain(id);
    expect((await rest(key, "GET", `/v1/stagedWrites/${id}`)).json.staged_write.id).toBe(id);

    const applied = await rest(key, "POST", `/v1/stagedWrites/${id}:apply`, {});
    expect(applied.status).toBe(200);
    expect(applied.json.staged_write.state).toBe("applied");
    expect(applied.json.staged_write.results[0].response).toMatchObject({
      outcome: "created",
      memory: { content: write.content },
    });
    expect(await rowsAbout(subjectId)).toBe(1);

    const second = await rest(key, "POST", "/v1/stagedWrites", {
      requests: [{ memory: { ...write, content: "Other." } }],
    });
    const discarded = await rest(key, "POST", `/v1/stagedWrites/${second.json.staged_write.id}:discard`, {});
    expect(discarded.json.staged_write.state).toBe("discarded");
    const late = await rest(key, "POST", `/v1/stagedWrites/${second.json.staged_write.id}:apply`, {});
    expect(late.status).toBe(400);
    expect(late.json.error.reason ?? JSON.stringify(late.json)).toMatch(/STAGED_WRITE_DISCARDED/);
  });
});

describe("over MCP", () => {
  it("stage_memory_writes, list_staged_writes, get_staged_write, apply_staged_write, discard_staged_write", async () => {
    const call = await mcp(await server.createKey({ agentId: "mcp-agent" }));
    const subjectId = randomUUID();
    const write = {
      subject_type: "contact",
      subject_id: subjectId,
      kind: "note",
      content: "Met at the Lisbon meetup.",
    };
    const stagedCall = await call("stage_memory_writes", { requests: [{ memory: write }] });
    expect(stagedCall.error).toBe(false);
    const id = stagedCall.json.staged_write.id as string;
    expect(stagedCall.json.staged_write.preview[0].response.outcome).toBe("created");

    const listed = await call("list_staged_writes", { state: "pending" });
    expect(listed.json.staged_writes.map((s: Json) => s.id)).toContain(id);
    expect((await call("get_staged_write", { id })).json.staged_write.state).toBe("pending");
    expect(await rowsAbout(subjectId)).toBe(0);

    const applied = await call("apply_staged_write", { id });
    expect(applied.json.staged_write.state).toBe("applied");
    expect(await rowsAbout(subjectId)).toBe(1);

    const other = await call("stage_memory_writes", {
      requests: [{ memory: { ...write, content: "Something else." } }],
    });
    const discarded = await call("discard_staged_write", { id: other.json.staged_write.id });
    expect(discarded.json.staged_write.state).toBe("discarded");
    const refused = await call("apply_staged_write", { id: other.json.staged_write.id });
    expect(refused.error).toBe(true);
    expect(refused.text).toMatch(/discarded/);
  });
});

describe("visibility", () => {
  it("another agent or workspace gets NOT_FOUND, never the staged write; an admin may apply it as its agent", async () => {
    const owner = staged(await server.createKey({ agentId: "owner" }));
    const subjectId = randomUUID();
    const { stagedWrite } = await owner.createStagedWrite({
      requests: [{ memory: aNote(subjectId, "Owner's note.") }],
    });
    const id = stagedWrite?.id ?? "";

    const intruders = [
      staged(await server.createKey({ agentId: "intruder" })),
      staged(await server.createKey({ workspaceId: aWorkspaceId() })),
      staged((await aServerWorkspace(server)).adminKey),
    ];
    for (const intruder of intruders) {
      for (const call of [
        () => intruder.getStagedWrite({ id }),
        () => intruder.applyStagedWrite({ id }),
        () => intruder.discardStagedWrite({ id }),
      ]) {
        expect((await refusal(call())).code).toBe(Code.NotFound);
      }
      expect((await intruder.listStagedWrites({})).stagedWrites.map((s) => s.id)).not.toContain(id);
    }
    // An unbound key naming the agent acts as it (as for memories), and may see it.
    const unbound = staged(await server.createKey());
    expect((await refusal(unbound.getStagedWrite({ id }))).code).toBe(Code.NotFound);
    expect((await unbound.getStagedWrite({ id, agentId: "owner" })).stagedWrite?.id).toBe(id);
    expect(await rowsAbout(subjectId)).toBe(0);

    const readOnly = staged(await server.createKey({ agentId: "owner", scopes: ["memory:read"] }));
    expect((await refusal(readOnly.applyStagedWrite({ id }))).code).toBe(Code.PermissionDenied);

    const applied = await staged(server.adminKey).applyStagedWrite({ id });
    const result = applied.stagedWrite?.results[0]?.result;
    expect(result?.case === "response" ? result.value.memory?.agentId : null).toBe("owner");
  });

  it("one staged as no agent is resolved by the key that staged it or an admin, not by another key", async () => {
    const stager = staged(await server.createKey());
    const { stagedWrite } = await stager.createStagedWrite({
      requests: [{ memory: aNote(randomUUID(), "Shared note.") }],
    });
    const id = stagedWrite?.id ?? "";
    expect(stagedWrite?.agentId).toBe("");
    const other = staged(await server.createKey());
    expect((await other.getStagedWrite({ id })).stagedWrite?.id).toBe(id);
    expect((await refusal(other.discardStagedWrite({ id }))).code).toBe(Code.PermissionDenied);
    expect((await stager.discardStagedWrite({ id })).stagedWrite?.state).toBe(StagedWriteState.DISCARDED);
  });
});

describe("tenancy: what a staged write shows is what its reader may read", () => {
  const PRIVATE = "PRIVATE-A Dana home address is 12 Elm Street Springfield, door code 4471";
  const STAGED = "Dana lives at 12 Elm Street in Springfield, door code 4471";
  const dana = (subjectId: string, content: string) => ({
    subject_type: "contact",
    subject_id: subjectId,
    kind: "note",
    content,
  });

  /** The reported reproduction's first step: agent-a's private memory about Dana, and agent-b's key. */
  async function privateToA(): Promise<{ subjectId: string; privateId: string; keyB: string }> {
    const subjectId = `dana-${randomUUID()}`;
    const keyA = await server.createKey({ agentId: `agent-a-${subjectId}` });
    const written = await rest(keyA, "POST", "/v1/memory", dana(subjectId, PRIVATE));
    expect(written.status).toBe(201);
    return {
      subjectId,
      privateId: written.json.memory.id as string,
      keyB: await server.createKey({ agentId: `agent-b-${subjectId}` }),
    };
  }

  it("the reported leak over REST: agent-b never reads agent-a's memory in an admin's staged write", async () => {
    const { subjectId, privateId, keyB } = await privateToA();
    const staging = await rest(server.adminKey, "POST", "/v1/stagedWrites", {
      requests: [{ memory: dana(subjectId, STAGED) }],
    });
    expect(staging.status).toBe(201);
    // The admin may see the conflict: without it this test would prove nothing.
    expect(JSON.stringify(staging.json)).toContain(privateId);

    const listed = await rest(keyB, "GET", "/v1/stagedWrites");
    const mine = listed.json.staged_writes.find((s: Json) => s.id === staging.json.staged_write.id);
    expect(mine).toBeDefined();
    expect(JSON.stringify(listed.json)).not.toContain("PRIVATE-A");
    expect(JSON.stringify(listed.json)).not.toContain(privateId);
    const got = await rest(keyB, "GET", `/v1/stagedWrites/${staging.json.staged_write.id}`);
    expect(JSON.stringify(got.json)).not.toContain("PRIVATE-A");
    expect((await rest(keyB, "GET", `/v1/memory/${privateId}`)).status).toBe(404);
  });

  it("the same through the admin's Penumbra POST /v1/memories, and through MCP", async () => {
    const { subjectId, privateId, keyB } = await privateToA();
    const penumbra = await rest(server.adminKey, "POST", "/v1/memories", {
      content: STAGED,
      kind: "fact",
      apply: false,
      subject: { type: "contact", id: subjectId },
    });
    expect(penumbra.status).toBe(202);
    const deltaId = penumbra.json.delta_id as string;
    expect(JSON.stringify((await rest(server.adminKey, "GET", `/v1/stagedWrites/${deltaId}`)).json)).toContain(
      privateId,
    );

    const asB = await mcp(keyB);
    const listed = await asB("list_staged_writes", {});
    expect(listed.json.staged_writes.map((s: Json) => s.id)).toContain(deltaId);
    expect(listed.text).not.toContain("PRIVATE-A");
    const got = await asB("get_staged_write", { id: deltaId });
    expect(got.error).toBe(false);
    expect(got.text).not.toContain("PRIVATE-A");
    expect(got.text).not.toContain(privateId);
  });
});
