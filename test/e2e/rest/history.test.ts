/**
 * Memory over time over REST: supersession through the write's query string, a memory's
 * revisions at /v1/memory/{id}/revisions, as-of reads, include_superseded and valid_at as query
 * parameters, and the undo at /v1/memory/{id}:unsupersede.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/server.js";
import { restJson } from "../../support/clients.js";

let server: TestServer;
let key: string;
const agent = randomUUID();
const subjectId = randomUUID();

type Json = Record<string, unknown>;

const call = (method: string, path: string, body?: unknown) => restJson(server.baseUrl, key, method, path, body);

beforeAll(async () => {
  server = await startTestServer();
  key = await server.createKey({ scopes: ["memory:read", "memory:write"], agentId: agent });
});
afterAll(async () => {
  await server?.close();
});

const fact = (content: string, extra: Json = {}) => ({
  subject_type: "contact",
  subject_id: subjectId,
  kind: "fact",
  content,
  ...extra,
});

describe("memory over time over REST", () => {
  it("supersedes, lists history, reads as of a time, filters, and undoes", async () => {
    const old = await call("POST", "/v1/memory", fact("Ana works at Globex", { valid_from: "2020-01-01T00:00:00Z" }));
    expect(old.status).toBe(201);
    const oldId = (old.body.memory as Json).id as string;
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const successor = await call(
      "POST",
      `/v1/memory?supersedes=${oldId}`,
      fact("Ana runs procurement at Initech", { valid_from: "2024-06-01T00:00:00Z" }),
    );
    expect([successor.status, successor.body.superseded]).toEqual([201, [oldId]]);
    const newId = (successor.body.memory as Json).id as string;

    const got = await call("GET", `/v1/memory/${oldId}`);
    expect(got.body.memory).toMatchObject({
      state: "superseded",
      superseded_by: newId,
      valid_until: "2024-06-01T00:00:00Z",
    });
    const history = await call("GET", `/v1/memory/${oldId}/revisions?page_size=1`);
    expect((history.body.revisions as Json[]).map((r) => [r.revision, r.change])).toEqual([["2", "superseded"]]);
    expect(history.body.next_page_token).not.toBe("");
    const asOf = await call("GET", `/v1/memory/${oldId}?as_of=${encodeURIComponent(before)}`);
    expect(asOf.body.memory).toMatchObject({ state: "active", revision: "1" });

    const ids = async (query: string) =>
      (((await call("GET", `/v1/memory?subject_id=${subjectId}&${query}`)).body.memories ?? []) as Json[]).map(
        (m) => m.id,
      );
    expect(await ids("")).toEqual([newId]);
    expect((await ids("include_superseded=true")).sort()).toEqual([oldId, newId].sort());
    expect(await ids("include_superseded=true&valid_at=2022-01-01T00:00:00Z")).toEqual([oldId]);
    expect(await ids(`as_of=${encodeURIComponent(before)}`)).toEqual([oldId]);

    const undone = await call("POST", `/v1/memory/${oldId}:unsupersede`, {});
    expect([undone.status, (undone.body.memory as Json).state]).toEqual([200, "active"]);
    const again = await call("POST", `/v1/memory/${oldId}:unsupersede`, {});
    expect([again.status, (again.body.error as Json).status]).toEqual([400, "FAILED_PRECONDITION"]);
    const reversed = await call(
      "POST",
      "/v1/memory",
      fact("A window backwards", { valid_from: "2024-01-01T00:00:00Z", valid_until: "2023-01-01T00:00:00Z" }),
    );
    expect([reversed.status, (reversed.body.error as Json).status]).toEqual([400, "INVALID_ARGUMENT"]);
  });
});
