/**
 * Memanto's `POST /api/v2/agents/{agent_id}/remember` (seeds/memanto-remember.md): its documented
 * example verbatim with X-Session-Token as the credential, the documented defaults, and the
 * agent check (a token of another agent gets 403).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/server.js";
import { post, storedMemory, UUID } from "./seed-support.js";

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  token = await server.createKey({ agentId: "my-agent" });
});
afterAll(() => server?.close());

const remember = (agentId: string, body: unknown, headers: Record<string, string> = { "X-Session-Token": token }) =>
  post(server, `/api/v2/agents/${agentId}/remember`, headers, body);

describe("the documented example", () => {
  it("stores the memory and answers with its id, the agent, the session, the namespace and the status", async () => {
    const res = await remember("my-agent", {
      content: "User prefers email communication",
      type: "preference",
      confidence: 0.9,
      tags: ["communication"],
      source: "agent",
      provenance: "explicit_statement",
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(
      ["agent_id", "confidence", "memory_id", "namespace", "provenance", "session_id", "status"].sort(),
    );
    expect(res.json).toMatchObject({
      agent_id: "my-agent",
      namespace: "memanto_agent_my-agent",
      status: "queued",
      confidence: 0.9,
      provenance: "explicit_statement",
    });
    expect(res.json.memory_id).toMatch(UUID);
    expect(res.json.session_id).toMatch(UUID);
    const memory = await storedMemory(server, res.json.memory_id);
    expect(memory).toMatchObject({
      agent_id: "my-agent",
      subject_type: "agent",
      subject_id: "my-agent",
      kind: "preference",
      content: "User prefers email communication",
      title: "User prefers email communication",
      tags: ["communication"],
      source_kind: "agent",
      provenance: "explicit_statement",
    });
    expect(memory.confidence).toBeCloseTo(0.9, 6);
  });
});

describe("defaults", () => {
  it("type fact, confidence 0.8, source agent, provenance explicit_statement, a title of at most 100 characters", async () => {
    const content = `${"Long observation about the customer's onboarding call and its many details ".repeat(4)}end.`;
    const res = await remember("my-agent", { content });
    expect(res.json).toMatchObject({ status: "queued", confidence: 0.8, provenance: "explicit_statement" });
    const memory = await storedMemory(server, res.json.memory_id);
    expect(memory).toMatchObject({ kind: "fact", source_kind: "agent", provenance: "explicit_statement" });
    expect(memory.confidence).toBeCloseTo(0.8, 6);
    expect([...(memory.title as string)].length).toBeLessThanOrEqual(100);
    expect(content.startsWith((memory.title as string).replace(/…$/, ""))).toBe(true);
  });

  it("a given title is kept", async () => {
    const res = await remember("my-agent", { content: "Renewal is due in March.", title: "Renewal" });
    expect((await storedMemory(server, res.json.memory_id)).title).toBe("Renewal");
  });
});

describe("the session token", () => {
  it("a token bound to another agent gets 403, and nothing is stored", async () => {
    const res = await remember("someone-else", { content: "Not mine to write." });
    expect(res.status).toBe(403);
    expect(res.json.detail).toEqual(expect.any(String));
  });

  it("a missing or unknown token gets 401", async () => {
    expect((await remember("my-agent", { content: "Hello there." }, {})).status).toBe(401);
    const unknown = await remember("my-agent", { content: "Hello there." }, { "X-Session-Token": "engram_nope" });
    expect(unknown.status).toBe(401);
    expect(unknown.json.detail).toMatch(/unknown or revoked/);
  });

  it("a key of another workspace never writes into this one", async () => {
    const stranger = await server.createKey({ workspaceId: "elsewhere", agentId: "my-agent" });
    const res = await remember("my-agent", { content: "Written elsewhere." }, { "X-Session-Token": stranger });
    expect(res.status).toBe(200);
    expect(await storedMemory(server, res.json.memory_id)).toBeUndefined();
    expect((await storedMemory(server, res.json.memory_id, "elsewhere")).workspace_id).toBe("elsewhere");
  });
});

describe("validation", () => {
  it("422 with FastAPI's detail list, one entry per field at fault", async () => {
    const res = await remember("my-agent", { content: "", type: "rumour", confidence: 2, title: "t".repeat(101) });
    expect(res.status).toBe(422);
    const locations = (res.json.detail as { loc: string[] }[]).map((d) => d.loc.join(".")).sort();
    expect(locations).toEqual(["body.confidence", "body.content", "body.title", "body.type"]);
  });
});
