/**
 * The REST gateway as curl sees it: routes from the google.api.http annotations, the REST
 * JSON dialect (proto names, rest_alias names, short lower-case enums), query parameters,
 * status codes, the {"error": ...} body, NDJSON search and the ApiKeyService routes.
 */
import { Code } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { MAX_REQUEST_BYTES } from "../../../src/api/limits.js";

interface RestMemory {
  id: string;
  agent_id: string;
  subject_type: string;
  subject_id: string;
  kind: string;
  key: string;
  content: string;
  title: string;
  visibility: string;
  provenance: string;
  state: string;
  embedding_status: string;
  tags: string[];
  linked_entities: { type: string; id: string }[];
  metadata: Record<string, unknown>;
  revision: string;
  etag: string;
  expire_time?: string;
  delete_time?: string;
}

interface WriteReply {
  memory: RestMemory;
  outcome: string;
  reason: string;
}

interface ListReply {
  memories: RestMemory[];
  next_page_token: string;
}

interface SearchResult {
  memory: RestMemory;
  score: number;
  rank: number;
  mode: string;
}

interface ErrorDetail {
  "@type": string;
  reason?: string;
  field_violations?: { field: string; description: string }[];
}

interface RestErrorBody {
  code: number;
  status: string;
  message: string;
  details: ErrorDetail[];
}

interface BatchReply {
  results: ({ response: WriteReply } | { error: { code: number; message: string; details: ErrorDetail[] } })[];
}

interface ApiKeyJson {
  id: string;
  display_name: string;
  scopes: string[];
  revoke_time?: string;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

interface SendOptions {
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent exactly as given, with only the headers in `headers`. */
  raw?: string;
  /** The bearer key; the admin key when not given, no Authorization header when null. */
  key?: string | null;
  headers?: Record<string, string>;
}

let server: TestServer;

beforeAll(async () => {
  // Search ranking needs vectors; the word-hash embedder makes them cheap and deterministic.
  server = await startTestServer({}, { embedder: new WordHashEmbedder() });
});
afterAll(async () => {
  await server?.close();
});

async function send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const key = options.key === undefined ? server.adminKey : options.key;
  const headers: Record<string, string> = {
    ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    ...(options.json === undefined ? {} : { "content-type": "application/json" }),
    ...options.headers,
  };
  const body = options.json === undefined ? options.raw : JSON.stringify(options.json);
  const res = await fetch(`${server.baseUrl}${path}`, { method, headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The JSON body of a successful reply with the expected status. */
function ok<T>(reply: Reply, status = 200): T {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(reply.text) as T;
}

/** Asserts the {"error": ...} body of a failed reply and returns it. */
function failed(reply: Reply, httpStatus: number, status: string, reason?: string): RestErrorBody {
  expect(reply.status, reply.text).toBe(httpStatus);
  expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
  const { error } = JSON.parse(reply.text) as { error: RestErrorBody };
  expect(error.code).toBe(httpStatus);
  expect(error.status).toBe(status);
  expect(error.message).not.toBe("");
  if (reason !== undefined) expect(reasonOf(error.details)).toBe(reason);
  return error;
}

function reasonOf(details: ErrorDetail[]): string | undefined {
  return details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo")?.reason;
}

function violatedFields(error: RestErrorBody): string[] {
  return error.details
    .filter((d) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest")
    .flatMap((d) => d.field_violations?.map((v) => v.field) ?? []);
}

async function write(memory: Record<string, unknown>, query = ""): Promise<RestMemory> {
  return ok<WriteReply>(await send("POST", `/v1/memory${query}`, { json: memory }), 201).memory;
}

async function list(query: string, key?: string): Promise<ListReply> {
  return ok<ListReply>(await send("GET", `/v1/memory?${query}`, { key }));
}

async function listedIds(query: string): Promise<string[]> {
  return (await list(query)).memories.map((m) => m.id);
}

/** Every memory of the subject, deleted and expired ones included. */
async function everythingAbout(subjectId: string): Promise<RestMemory[]> {
  return (await list(`subject_id=${subjectId}&show_deleted=true&show_expired=true&page_size=500`)).memories;
}

const sorted = (ids: string[]) => [...ids].sort();

describe("the REST JSON dialect", () => {
  it("accepts rest_alias names and enum names in any spelling; answers with proto names and short lower-case enums", async () => {
    const agent = `agent-${randomUUID()}`;
    const subjectId = randomUUID();
    const memory = {
      agent_registry_id: agent,
      subject_type: "contact",
      subject_id: subjectId,
      kind: "pitch",
      key: "sequences",
      content: "Pitched follow-up sequences",
      visibility: "VISIBILITY_SHARED",
      provenance: "Observed",
      expires_at: "2099-01-01T00:00:00Z",
      linked_entities: [{ type: "opportunity", id: "o1" }],
      tags: ["feature:sequences"],
      metadata: { angle: "time" },
    };
    const created = ok<WriteReply>(await send("POST", "/v1/memory", { json: memory }), 201);
    expect(created.outcome).toBe("created");
    expect(created.memory).toMatchObject({
      agent_id: agent,
      subject_type: "contact",
      subject_id: subjectId,
      visibility: "shared",
      provenance: "observed",
      state: "active",
      embedding_status: "attached",
      expire_time: "2099-01-01T00:00:00Z",
      linked_entities: [{ type: "opportunity", id: "o1" }],
      metadata: { angle: "time" },
      revision: "1",
    });
    // Responses use the fields' own names only, never the aliases or the camelCase JSON names.
    for (const name of ["agent_registry_id", "expires_at", "agentId", "subjectType", "expireTime"]) {
      expect(created.memory).not.toHaveProperty(name);
    }

    const updated = ok<WriteReply>(
      await send("POST", "/v1/memory", { json: { ...memory, content: "Pitched again", visibility: "private" } }),
      200,
    );
    expect(updated.outcome).toBe("updated");
    expect(updated.memory.id).toBe(created.memory.id);
    expect(updated.memory.visibility).toBe("private");
  });

  it.each(["shared", "SHARED", "Shared", "VISIBILITY_SHARED", "visibility_shared"])(
    "reads the enum spelling %s in bodies and query strings",
    async (spelling) => {
      const subjectId = randomUUID();
      const base = { subject_type: "contact", subject_id: subjectId, kind: "note" };
      const shared = await write({ ...base, content: "shared one", visibility: spelling });
      expect(shared.visibility).toBe("shared");
      await write({ ...base, content: "private one", visibility: "private" });
      expect(await listedIds(`subject_id=${subjectId}&visibility=${spelling}`)).toEqual([shared.id]);
    },
  );
});

describe("query parameters", () => {
  const subjectId = randomUUID();
  const ids: Record<"pitchAB" | "objectionA" | "noteB" | "pitchPlain", string> = {
    pitchAB: "",
    objectionA: "",
    noteB: "",
    pitchPlain: "",
  };

  beforeAll(async () => {
    const base = { subject_type: "contact", subject_id: subjectId };
    ids.pitchAB = (
      await write({
        ...base,
        kind: "pitch",
        content: "pitch a b",
        tags: ["a", "b"],
        linked_entities: [{ type: "opportunity", id: "o1" }],
      })
    ).id;
    ids.objectionA = (await write({ ...base, kind: "objection", content: "objection a", tags: ["a"] })).id;
    ids.noteB = (
      await write({
        ...base,
        kind: "note",
        content: "note b",
        tags: ["b"],
        linked_entities: [{ type: "opportunity", id: "o2" }],
      })
    ).id;
    ids.pitchPlain = (await write({ ...base, kind: "pitch", content: "pitch plain" })).id;
  });

  it("names filter fields by flat leaf name, dotted path or alias, with the same result", async () => {
    const pitches = sorted([ids.pitchAB, ids.pitchPlain]);
    expect(sorted(await listedIds(`subject_id=${subjectId}&kind=pitch`))).toEqual(pitches);
    expect(sorted(await listedIds(`filter.subject_id=${subjectId}&filter.kinds=pitch`))).toEqual(pitches);
    expect(sorted(await listedIds(`filter.subject_id=${subjectId}&filter.kind=pitch`))).toEqual(pitches);
    expect(sorted(await listedIds(`subject_id=${subjectId}&kinds=pitch`))).toEqual(pitches);
    // Two names of one repeated field add up rather than one replacing the other.
    expect(sorted(await listedIds(`subject_id=${subjectId}&filter.kinds=pitch&kind=objection`))).toEqual(
      sorted([ids.pitchAB, ids.objectionA, ids.pitchPlain]),
    );
    expect(sorted(await listedIds(`subject_type=contact&filter.subject_id=${subjectId}&kind=objection`))).toEqual([
      ids.objectionA,
    ]);
  });

  it("repeats a repeated field: kind=… twice is either kind, tag=… twice is all tags", async () => {
    expect(sorted(await listedIds(`subject_id=${subjectId}&kind=pitch&kind=objection`))).toEqual(
      sorted([ids.pitchAB, ids.objectionA, ids.pitchPlain]),
    );
    expect(sorted(await listedIds(`subject_id=${subjectId}&tag=a`))).toEqual(sorted([ids.pitchAB, ids.objectionA]));
    expect(await listedIds(`subject_id=${subjectId}&tag=a&tag=b`)).toEqual([ids.pitchAB]);
    expect(sorted(await listedIds(`subject_id=${subjectId}&any_tag=a&any_tag=b`))).toEqual(
      sorted([ids.pitchAB, ids.objectionA, ids.noteB]),
    );
  });

  it("filters by linked_entity_type and linked_entity_id", async () => {
    const q = `subject_id=${subjectId}&linked_entity_type=opportunity`;
    expect(await listedIds(`${q}&linked_entity_id=o2`)).toEqual([ids.noteB]);
    expect(await listedIds(`${q}&linked_entity_id=o1`)).toEqual([ids.pitchAB]);
  });

  it("filters by owner: owner_agent_id=… repeated is any of those agents", async () => {
    const owned = { subject_type: "contact", subject_id: randomUUID(), kind: "fact" };
    const byX = (await write({ ...owned, content: "by x", agent_id: "x" })).id;
    const byY = (await write({ ...owned, content: "by y", agent_id: "y" })).id;
    await write({ ...owned, content: "by nobody" });
    const q = `subject_id=${owned.subject_id}`;
    expect(await listedIds(`${q}&owner_agent_id=x`)).toEqual([byX]);
    expect(sorted(await listedIds(`${q}&owner_agent_id=x&owner_agent_id=y`))).toEqual(sorted([byX, byY]));
    expect(sorted(await listedIds(`${q}&filter.owner_agent_ids=y`))).toEqual([byY]);
  });

  it("pages with page_size and page_token through every memory exactly once", async () => {
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await list(
        `subject_id=${subjectId}&page_size=3&order_by=create_time${token && `&page_token=${token}`}`,
      );
      expect(page.memories.length).toBeLessThanOrEqual(3);
      seen.push(...page.memories.map((m) => m.id));
      token = page.next_page_token;
      pages += 1;
    } while (token !== "" && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(4);
    expect(sorted(seen)).toEqual(sorted(Object.values(ids)));
  });

  it("show_deleted=true brings back soft-deleted memories", async () => {
    const doomedSubject = randomUUID();
    const doomed = await write({ subject_type: "contact", subject_id: doomedSubject, kind: "note", content: "doomed" });
    const deleted = ok<{ memory: RestMemory }>(await send("DELETE", `/v1/memory/${doomed.id}?reason=obsolete`));
    expect(deleted.memory.state).toBe("deleted");
    expect(await listedIds(`subject_id=${doomedSubject}`)).toEqual([]);
    const shown = await list(`subject_id=${doomedSubject}&show_deleted=true`);
    expect(shown.memories.map((m) => [m.id, m.state])).toEqual([[doomed.id, "deleted"]]);
    expect(await listedIds(`subject_id=${doomedSubject}&show_deleted=false`)).toEqual([]);
  });

  it("refuses a boolean that is not true or false, naming the parameter", async () => {
    const error = failed(
      await send("GET", `/v1/memory?subject_id=${subjectId}&show_deleted=yes`),
      400,
      "INVALID_ARGUMENT",
      "INVALID_BOOLEAN",
    );
    expect(violatedFields(error)).toEqual(["show_deleted"]);
  });

  it("refuses an unknown query parameter, naming it", async () => {
    const error = failed(await send("GET", "/v1/memory?colour=red"), 400, "INVALID_ARGUMENT", "UNKNOWN_FIELD");
    expect(violatedFields(error)).toEqual(["colour"]);
  });

  it("refuses a single-valued parameter given twice", async () => {
    const error = failed(await send("GET", "/v1/memory?page_size=1&page_size=2"), 400, "INVALID_ARGUMENT");
    expect(violatedFields(error)).toEqual(["page_size"]);
  });
});

describe("HTTP-level errors", () => {
  it("refuses an unknown field in the body, naming it", async () => {
    const subjectId = randomUUID();
    const reply = await send("POST", "/v1/memory", {
      json: { subject_type: "contact", subject_id: subjectId, kind: "note", content: "x", colour: "red" },
    });
    const error = failed(reply, 400, "INVALID_ARGUMENT", "UNKNOWN_FIELD");
    expect(violatedFields(error)).toEqual(["memory.colour"]);
    expect(await everythingAbout(subjectId)).toEqual([]);
  });

  it("refuses malformed JSON with 400", async () => {
    const reply = await send("POST", "/v1/memory", {
      raw: '{"subject_type": "contact",',
      headers: { "content-type": "application/json" },
    });
    failed(reply, 400, "INVALID_ARGUMENT", "INVALID_JSON");
  });

  it("refuses a JSON null for a body, on a whole-body route and a field's, changing nothing", async () => {
    // A revision to lose: a null taken as the empty request would reset it.
    await send("PUT", "/v1/search/settings", { json: { settings: { semantic_weight: 0.3 } } });
    const before = await send("GET", "/v1/search/settings");
    expect(before.text).toContain('"semantic_weight":0.3');
    for (const [verb, path] of [
      ["PUT", "/v1/search/settings"],
      ["POST", "/v1/memory"],
    ] as const) {
      const reply = await send(verb, path, { raw: "null", headers: { "content-type": "application/json" } });
      failed(reply, 400, "INVALID_ARGUMENT", "INVALID_JSON");
    }
    expect((await send("GET", "/v1/search/settings")).text).toEqual(before.text);
    await send("PUT", "/v1/search/settings", { json: { settings: {} } });
  });

  it("refuses a body that is not JSON with 415", async () => {
    const reply = await send("POST", "/v1/memory", {
      raw: JSON.stringify({ subject_type: "contact", kind: "note", content: "x" }),
      headers: { "content-type": "text/plain" },
    });
    failed(reply, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("refuses a body over the request limit with 413", async () => {
    const content = "x".repeat(MAX_REQUEST_BYTES + 1);
    const reply = await send("POST", "/v1/memory", { json: { subject_type: "contact", kind: "note", content } });
    failed(reply, 413, "PAYLOAD_TOO_LARGE");
  });

  it("answers an unknown path with a JSON 404", async () => {
    failed(await send("GET", "/v1/memorys"), 404, "NOT_FOUND");
    failed(await send("GET", "/v1/memory/some-id/extra"), 404, "NOT_FOUND");
  });

  it("answers a wrong verb on a seed API's route with 405 in that API's error shape", async () => {
    const reply = await send("GET", "/v1/memories");
    expect(reply.status).toBe(405);
    expect(reply.headers.get("allow")).toBe("POST");
    expect(JSON.parse(reply.text)).toMatchObject({
      error: "method_not_allowed",
      message: expect.stringMatching(/use POST/),
    });
  });

  it("answers a wrong verb with 405 and the allowed ones in Allow", async () => {
    const reply = await send("PUT", "/v1/memory", { json: {} });
    failed(reply, 405, "METHOD_NOT_ALLOWED");
    const allow = (reply.headers.get("allow") ?? "").split(",").map((v) => v.trim());
    expect(sorted(allow)).toEqual(["GET", "POST"]);

    const batch = await send("GET", "/v1/memory:batch");
    failed(batch, 405, "METHOD_NOT_ALLOWED");
    expect(batch.headers.get("allow")).toBe("POST");

    // A custom verb is not part of the {id} segment: only POST serves /v1/memory/{id}:undelete.
    const undelete = await send("PUT", "/v1/memory/some-id:undelete", { json: {} });
    failed(undelete, 405, "METHOD_NOT_ALLOWED");
    expect(undelete.headers.get("allow")).toBe("POST");
  });

  it("refuses a malformed percent-encoded path segment with 400 naming the path field", async () => {
    const error = failed(await send("GET", "/v1/memory/%E0%A4%A"), 400, "INVALID_ARGUMENT", "INVALID_PATH");
    expect(violatedFields(error)).toEqual(["id"]);
  });

  it("refuses a value of the wrong type with 400 naming the field, from the query or the body", async () => {
    const page = failed(await send("GET", "/v1/memory?page_size=abc"), 400, "INVALID_ARGUMENT", "INVALID_VALUE");
    expect(violatedFields(page)).toEqual(["page_size"]);
    const subjectId = randomUUID();
    const body = await send("POST", "/v1/memory", {
      json: { subject_type: "contact", subject_id: subjectId, kind: "note", content: "x", confidence: "high" },
    });
    expect(violatedFields(failed(body, 400, "INVALID_ARGUMENT", "INVALID_VALUE"))).toEqual(["confidence"]);
    expect(await everythingAbout(subjectId)).toEqual([]);
  });

  it("answers a missing or unknown key with 401", async () => {
    failed(await send("GET", "/v1/memory", { key: null }), 401, "UNAUTHENTICATED", "MISSING_API_KEY");
    failed(await send("GET", "/v1/memory", { key: "egm_not-a-real-key" }), 401, "UNAUTHENTICATED", "INVALID_API_KEY");
  });

  it("answers a failed validation with 400, the rule in ErrorInfo, and writes nothing", async () => {
    const subjectId = randomUUID();
    const base = { subject_type: "contact", subject_id: subjectId, kind: "note" };
    await write({ ...base, content: "the one that stays" });

    const tooLong = await send("POST", "/v1/memory", { json: { ...base, content: "x".repeat(50_001) } });
    expect(violatedFields(failed(tooLong, 400, "INVALID_ARGUMENT", "CONTENT_TOO_LONG"))).toEqual(["memory.content"]);

    const tags = Array.from({ length: 65 }, (_, i) => `tag:${i}`);
    const tooMany = await send("POST", "/v1/memory", { json: { ...base, content: "many tags", tags } });
    expect(violatedFields(failed(tooMany, 400, "INVALID_ARGUMENT", "TAGS_TOO_MANY"))).toEqual(["memory.tags"]);

    expect((await everythingAbout(subjectId)).map((m) => m.content)).toEqual(["the one that stays"]);
  });
});

describe("agent-bound keys", () => {
  const owner = `agent-${randomUUID()}`;
  const subjectId = randomUUID();
  let privateId: string;
  let sharedId: string;
  let otherKey: string;
  let ownerKey: string;

  beforeAll(async () => {
    const base = { agent_registry_id: owner, subject_type: "contact", subject_id: subjectId, kind: "note" };
    privateId = (await write({ ...base, content: "only mine", visibility: "private" })).id;
    sharedId = (await write({ ...base, content: "for everyone", visibility: "shared" })).id;
    otherKey = await server.createKey({ agentId: `agent-${randomUUID()}` });
    ownerKey = await server.createKey({ agentId: owner });
  });

  it("cannot read another agent's private memory: 404, as if it did not exist", async () => {
    failed(await send("GET", `/v1/memory/${privateId}`, { key: otherKey }), 404, "NOT_FOUND", "MEMORY_NOT_FOUND");
    // The owner's own key reads it, so the 404 above is about ownership, not existence.
    expect(ok<{ memory: RestMemory }>(await send("GET", `/v1/memory/${privateId}`, { key: ownerKey })).memory.id).toBe(
      privateId,
    );
  });

  it("reads another agent's shared memory and lists only that one", async () => {
    const got = ok<{ memory: RestMemory }>(await send("GET", `/v1/memory/${sharedId}`, { key: otherKey }));
    expect(got.memory).toMatchObject({ id: sharedId, agent_id: owner, visibility: "shared" });
    expect((await list(`subject_id=${subjectId}`, otherKey)).memories.map((m) => m.id)).toEqual([sharedId]);
  });
});

describe("writes and updates", () => {
  let subjectId: string;
  const base = () => ({ subject_type: "contact", subject_id: subjectId, kind: "note" });
  beforeEach(() => {
    subjectId = randomUUID();
  });

  it("validate_only=true answers 200 with the outcome a write would have, and writes nothing", async () => {
    const reply = await send("POST", "/v1/memory?validate_only=true", { json: { ...base(), content: "dry run" } });
    expect(reply.status).toBe(200);
    expect((JSON.parse(reply.text) as { outcome: string }).outcome).toBe("created");
    expect(await everythingAbout(subjectId)).toEqual([]);
  });

  it("request_id: a retry replays the first response; reuse for a different write is 409", async () => {
    const requestId = randomUUID();
    const first = await write({ ...base(), content: "first" }, `?request_id=${requestId}`);
    const retry = await write({ ...base(), content: "first" }, `?request_id=${requestId}`);
    expect(retry.id).toBe(first.id);

    const reply = await send("POST", `/v1/memory?request_id=${requestId}`, { json: { ...base(), content: "second" } });
    const error = failed(reply, 409, "ALREADY_EXISTS", "REQUEST_ID_REUSED");
    expect(violatedFields(error)).toEqual(["request_id"]);
    expect((await everythingAbout(subjectId)).map((m) => m.content)).toEqual(["first"]);
  });

  it("PATCH with a stale etag fails with the HTTP status of ABORTED and changes nothing", async () => {
    const memory = await write({ ...base(), content: "original", title: "before" });
    const stale = await send("PATCH", `/v1/memory/${memory.id}?etag=${encodeURIComponent('W/"999"')}`, {
      json: { title: "after" },
    });
    failed(stale, codeToHttpStatus(Code.Aborted), "ABORTED", "ETAG_MISMATCH");
    const after = ok<{ memory: RestMemory }>(await send("GET", `/v1/memory/${memory.id}`)).memory;
    expect([after.title, after.revision]).toEqual(["before", "1"]);

    const fresh = await send("PATCH", `/v1/memory/${memory.id}?etag=${encodeURIComponent(memory.etag)}`, {
      json: { title: "after" },
    });
    expect(ok<{ memory: RestMemory }>(fresh).memory).toMatchObject({ title: "after", revision: "2" });
  });

  it("PATCH with ?update_mask=title changes the title only, whatever else the body holds", async () => {
    const memory = await write({ ...base(), content: "original", title: "before" });
    const reply = await send("PATCH", `/v1/memory/${memory.id}?update_mask=title`, {
      json: { title: "after", content: "not this" },
    });
    expect(ok<{ memory: RestMemory }>(reply).memory).toMatchObject({
      title: "after",
      content: "original",
      revision: "2",
    });
  });

  it("PATCH without update_mask updates exactly the body's fields, aliases included", async () => {
    const memory = await write({ ...base(), content: "original", title: "before", tags: ["old"] });
    const reply = await send("PATCH", `/v1/memory/${memory.id}`, {
      json: { tags: ["new", "newer"], expires_at: "2099-06-01T00:00:00Z" },
    });
    expect(ok<{ memory: RestMemory }>(reply).memory).toMatchObject({
      tags: ["new", "newer"],
      expire_time: "2099-06-01T00:00:00Z",
      title: "before",
      content: "original",
      revision: "2",
    });
  });

  it("refuses a query parameter that belongs in the PATCH body", async () => {
    const memory = await write({ ...base(), content: "original" });
    for (const name of ["content", "memory.content"]) {
      const reply = await send("PATCH", `/v1/memory/${memory.id}?${name}=x`, { json: { title: "t" } });
      expect(violatedFields(failed(reply, 400, "INVALID_ARGUMENT", "NOT_A_PARAMETER"))).toEqual([name]);
    }
    const after = ok<{ memory: RestMemory }>(await send("GET", `/v1/memory/${memory.id}`)).memory;
    expect([after.content, after.title, after.revision]).toEqual(["original", "", "1"]);
  });

  it("POST /v1/memory/{id}:undelete restores a soft-deleted memory", async () => {
    const memory = await write({ ...base(), content: "comes back" });
    const deleted = ok<{ memory: RestMemory }>(await send("DELETE", `/v1/memory/${memory.id}`)).memory;
    expect(deleted.state).toBe("deleted");
    expect(deleted.delete_time).toBeDefined();

    const restored = ok<{ memory: RestMemory }>(await send("POST", `/v1/memory/${memory.id}:undelete`)).memory;
    expect(restored.state).toBe("active");
    expect(restored.delete_time).toBeUndefined();
    expect(await listedIds(`subject_id=${subjectId}`)).toEqual([memory.id]);
  });
});

describe("POST /v1/memory:batch", () => {
  const oversized = { blob: "x".repeat(70 * 1024) };
  const items = (subjectId: string) =>
    [1, 2, 3].map((n) => ({
      memory: {
        subject_type: "contact",
        subject_id: subjectId,
        kind: "note",
        key: `k${n}`,
        content: `note ${n}`,
        ...(n === 2 ? { metadata: oversized } : {}),
      },
    }));

  it("atomic: one failing item fails the call with 400 and nothing is written", async () => {
    const subjectId = randomUUID();
    const reply = await send("POST", "/v1/memory:batch", { json: { atomic: true, requests: items(subjectId) } });
    const error = failed(reply, 400, "INVALID_ARGUMENT", "METADATA_TOO_LARGE");
    expect(violatedFields(error)).toEqual(["requests[1].memory.metadata"]);
    expect(await everythingAbout(subjectId)).toEqual([]);
  });

  it("non-atomic: 200, a JSON google.rpc.Status on the failing item, the others written", async () => {
    const subjectId = randomUUID();
    const reply = await send("POST", "/v1/memory:batch", { json: { atomic: false, requests: items(subjectId) } });
    const { results } = ok<BatchReply>(reply);
    expect(results.map((r) => Object.keys(r))).toEqual([["response"], ["error"], ["response"]]);
    const [first, second, third] = results;
    if (first === undefined || !("response" in first) || third === undefined || !("response" in third)) {
      throw new Error("expected responses around the failed item");
    }
    expect([first.response.outcome, third.response.outcome]).toEqual(["created", "created"]);
    if (second === undefined || !("error" in second)) throw new Error("expected the second item to fail");
    expect(second.error.code).toBe(Code.InvalidArgument);
    expect(reasonOf(second.error.details)).toBe("METADATA_TOO_LARGE");
    expect(sorted((await everythingAbout(subjectId)).map((m) => m.key))).toEqual(["k1", "k3"]);
  });
});

describe("POST /v1/memory/search", () => {
  const subjectId = randomUUID();
  const CONTENTS = ["apples bananas cherries", "apples bananas", "apples", "dogs and cats"];
  const request = { query: "apples bananas cherries", subject_id: subjectId, mode: "SEMANTIC", top_k: 10 };
  const byContent: Record<string, string> = {};

  beforeAll(async () => {
    // Written worst match first, so that ranking, not insertion order, decides the result order.
    for (const content of [...CONTENTS].reverse()) {
      const memory = await write({ subject_type: "fruit", subject_id: subjectId, kind: "note", content });
      byContent[content] = memory.id;
    }
  });

  it("answers with a JSON array of results, best first", async () => {
    const results = ok<SearchResult[]>(await send("POST", "/v1/memory/search", { json: request }));
    expect(Array.isArray(results)).toBe(true);
    expect(results.map((r) => r.memory.content)).toEqual(CONTENTS);
    expect(results.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(results.every((r) => r.mode === "semantic")).toBe(true);
    for (let i = 1; i < results.length; i++) {
      expect(results[i]!.score).toBeLessThanOrEqual(results[i - 1]!.score);
    }
  });

  it("streams NDJSON, one result per line, the same ids in the same order", async () => {
    const array = ok<SearchResult[]>(await send("POST", "/v1/memory/search", { json: request }));
    const reply = await send("POST", "/v1/memory/search", {
      json: request,
      headers: { accept: "application/x-ndjson" },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(reply.text.endsWith("\n")).toBe(true);
    const lines = reply.text.slice(0, -1).split("\n");
    const streamed = lines.map((line) => JSON.parse(line) as SearchResult);
    expect(streamed.map((r) => r.memory.id)).toEqual(array.map((r) => r.memory.id));
    expect(streamed.map((r) => r.memory.id)).toEqual(CONTENTS.map((c) => byContent[c]));
    expect(streamed.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
  });

  it("names the mode that ran in the engram-search-mode header, also when nothing is found", async () => {
    const found = await send("POST", "/v1/memory/search", { json: request });
    expect(found.headers.get("engram-search-mode")).toBe("semantic");
    for (const accept of ["application/json", "application/x-ndjson"]) {
      const none = await send("POST", "/v1/memory/search", {
        json: { ...request, query: "zyzzyva", mode: "KEYWORD" },
        headers: { accept },
      });
      expect(none.status, none.text).toBe(200);
      expect(none.text.trim()).toBe(accept === "application/json" ? "[]" : "");
      expect(none.headers.get("engram-search-mode")).toBe("keyword");
    }
  });

  it("takes rerank and says in the engram-rerank header whether it ran (this server has no reranker)", async () => {
    const plain = await send("POST", "/v1/memory/search", { json: request });
    expect(plain.headers.get("engram-rerank")).toBeNull();
    const asked = await send("POST", "/v1/memory/search", { json: { ...request, rerank: true } });
    expect(asked.headers.get("engram-rerank")).toBe("unavailable");
    const results = ok<SearchResult[]>(asked);
    expect(results.map((r) => r.memory.id)).toEqual(ok<SearchResult[]>(plain).map((r) => r.memory.id));
  });

  it("answers an invalid NDJSON search with an ordinary 400 JSON error, not a 200 stream", async () => {
    const reply = await send("POST", "/v1/memory/search", {
      json: { ...request, query: "" },
      headers: { accept: "application/x-ndjson" },
    });
    const error = failed(reply, 400, "INVALID_ARGUMENT", "QUERY_TOO_SHORT");
    expect(violatedFields(error)).toEqual(["query"]);
  });
});

describe("ApiKeyService over REST", () => {
  it("creates a key (201, secret once), lists it, and revokes it so that it gets 401", async () => {
    const created = ok<{ api_key: ApiKeyJson; secret: string }>(
      await send("POST", "/v1/api-keys", { json: { display_name: "rest-suite", scopes: ["memory:read"] } }),
      201,
    );
    expect(created.api_key).toMatchObject({ display_name: "rest-suite", scopes: ["memory:read"] });
    expect(created.secret).not.toBe("");
    const id = created.api_key.id;

    expect(ok<ListReply>(await send("GET", "/v1/memory", { key: created.secret })).memories).toBeInstanceOf(Array);
    // The key has the scopes it was created with, and no more.
    failed(
      await send("POST", "/v1/memory", {
        key: created.secret,
        json: { subject_type: "contact", kind: "note", content: "read-only key" },
      }),
      403,
      "PERMISSION_DENIED",
      "MISSING_SCOPE",
    );

    const listed = ok<{ api_keys: ApiKeyJson[] }>(await send("GET", "/v1/api-keys?page_size=500"));
    expect(listed.api_keys.map((k) => k.id)).toContain(id);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const revoked = ok<{ api_key: ApiKeyJson }>(await send("POST", `/v1/api-keys/${id}:revoke`));
    expect(revoked.api_key.id).toBe(id);
    expect(revoked.api_key.revoke_time).toBeDefined();

    failed(await send("GET", "/v1/memory", { key: created.secret }), 401, "UNAUTHENTICATED", "INVALID_API_KEY");
    const active = ok<{ api_keys: ApiKeyJson[] }>(await send("GET", "/v1/api-keys?page_size=500"));
    expect(active.api_keys.map((k) => k.id)).not.toContain(id);
    const all = ok<{ api_keys: ApiKeyJson[] }>(await send("GET", "/v1/api-keys?page_size=500&show_revoked=true"));
    expect(all.api_keys.map((k) => k.id)).toContain(id);
  });
});

describe("GET /v1/memory:stats", () => {
  it("counts the admin key's workspace in the REST dialect, and refuses a key without admin scope", async () => {
    const before = ok<Record<string, unknown>>(await send("GET", "/v1/memory:stats"));
    await write({ subject_type: "contact", subject_id: "rest-stats", kind: "note", content: "counted over REST" });
    const after = ok<Record<string, unknown>>(await send("GET", "/v1/memory:stats"));
    expect(after).toMatchObject({
      workspace_id: server.workspaceId,
      embedding_model: "test:word-hash",
      embedder_configured: true,
    });
    // int64 fields are JSON strings, as proto3 JSON writes them.
    expect(Number(after.active) - Number(before.active)).toBe(1);
    const reader = await server.createKey({ scopes: ["memory:read"] });
    failed(await send("GET", "/v1/memory:stats", { key: reader }), 403, "PERMISSION_DENIED");
  });
});

describe("POST /v1/memory:export and /v1/memory:import", () => {
  it("exports in the REST dialect and imports that body into another workspace as it was", async () => {
    await write({ subject_type: "contact", subject_id: "rest-export", kind: "note", content: "moved over REST" });
    const filter = { subject_type: "contact", subject_id: "rest-export" };
    const exported = ok<{ memory: Record<string, unknown>; embedding: number[] }[]>(
      await send("POST", "/v1/memory:export", { json: { filter } }),
    );
    expect(exported).toHaveLength(1);
    expect(exported[0]?.memory).toMatchObject({ content: "moved over REST", embedding_model: "test:word-hash" });
    expect(exported[0]?.embedding).toHaveLength(384);

    const elsewhere = await server.createKey({ scopes: ["admin"], workspaceId: `ws-${randomUUID()}` });
    const imported = ok<Record<string, unknown>>(
      await send("POST", "/v1/memory:import", { key: elsewhere, json: { memories: exported } }),
    );
    expect(imported).toMatchObject({ created: 1, vectors_kept: 1 });
    const again = ok<{ memory: Record<string, unknown> }[]>(
      await send("POST", "/v1/memory:export", { key: elsewhere, json: { filter } }),
    );
    expect(again.map((e) => ({ ...e.memory, workspace_id: undefined }))).toEqual(
      exported.map((e) => ({ ...e.memory, workspace_id: undefined })),
    );

    const reader = await server.createKey({ scopes: ["memory:read", "memory:write"] });
    failed(await send("POST", "/v1/memory:export", { key: reader, json: {} }), 403, "PERMISSION_DENIED");
    failed(
      await send("POST", "/v1/memory:import", { key: reader, json: { memories: exported } }),
      403,
      "PERMISSION_DENIED",
    );
  });
});

describe("/v1/search/settings", () => {
  interface RestSettings {
    semantic_weight?: number;
    candidate_pool?: number;
    rerank_candidates?: number;
    rerank_weight?: number;
    rerank_by_default?: boolean;
  }
  interface RestRevision {
    revision: number;
    settings: RestSettings;
    effective: RestSettings;
    update_time?: string;
    updated_by_key_id: string;
    reason: string;
  }
  const DEFAULTS: RestSettings = {
    semantic_weight: 0.6,
    candidate_pool: 50,
    rerank_candidates: 40,
    rerank_weight: 0.8,
    rerank_by_default: false,
  };
  // A workspace of its own: its settings start at revision 0, and its searches are its own.
  const workspaceId = `ws-${randomUUID()}`;
  let admin: string;
  let writer: string;
  let agent: string;
  const current = async (key = writer) =>
    ok<{ current: RestRevision }>(await send("GET", "/v1/search/settings", { key })).current;

  beforeAll(async () => {
    admin = await server.createKey({ scopes: ["admin", "memory:read", "memory:write"], workspaceId });
    writer = await server.createKey({ workspaceId });
    agent = await server.createKey({ workspaceId, agentId: `agent-${randomUUID()}` });
  });

  it("GET shows revision 0 and the server's defaults, in the REST dialect, to any reader", async () => {
    const settings = await current();
    expect(settings).toEqual({ revision: 0, settings: {}, effective: DEFAULTS, updated_by_key_id: "", reason: "" });
    const reader = await server.createKey({ workspaceId, scopes: ["memory:read"] });
    expect(await current(reader)).toEqual(settings);
  });

  it("PUT by an admin adds revision 1, which GET shows and the revisions list", async () => {
    const before = Date.now();
    const put = await send("PUT", "/v1/search/settings", {
      key: admin,
      json: { settings: { semantic_weight: 0.3, candidate_pool: 120 }, expected_revision: 0, reason: "over REST" },
    });
    const revision = ok<{ current: RestRevision }>(put).current;
    expect(revision).toMatchObject({
      revision: 1,
      settings: { semantic_weight: 0.3, candidate_pool: 120 },
      effective: { ...DEFAULTS, semantic_weight: 0.3, candidate_pool: 120 },
      reason: "over REST",
    });
    expect(revision.updated_by_key_id).not.toBe("");
    expect(Date.parse(revision.update_time ?? "")).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    // Responses use the fields' own names only.
    expect(revision.effective).not.toHaveProperty("semanticWeight");

    expect(await current()).toEqual(revision);
    const listed = ok<{ revisions: RestRevision[]; next_page_token: string }>(
      await send("GET", "/v1/search/settings/revisions", { key: admin }),
    );
    expect(listed).toEqual({ revisions: [revision], next_page_token: "" });

    // The same revision again is ABORTED: another change came first.
    const stale = await send("PUT", "/v1/search/settings", {
      key: admin,
      json: { settings: { semantic_weight: 0.9 }, expected_revision: 0 },
    });
    failed(stale, codeToHttpStatus(Code.Aborted), "ABORTED", "SEARCH_SETTINGS_CHANGED");
    expect(await current()).toEqual(revision);
  });

  it("PUT or the revisions list by a key without the admin scope is 403, and changes nothing", async () => {
    const before = await current();
    for (const key of [writer, agent]) {
      const put = await send("PUT", "/v1/search/settings", {
        key,
        json: { settings: { semantic_weight: 0.05, rerank_by_default: true }, reason: "not mine to change" },
      });
      failed(put, 403, "PERMISSION_DENIED", "MISSING_SCOPE");
      failed(await send("GET", "/v1/search/settings/revisions", { key }), 403, "PERMISSION_DENIED", "MISSING_SCOPE");
    }
    expect(await current()).toEqual(before);
  });

  it("PUT with a value out of range is 400 naming the field, and changes nothing", async () => {
    const before = await current();
    const cases: [RestSettings, string][] = [
      [{ semantic_weight: 2 }, "settings.semantic_weight"],
      [{ rerank_weight: -0.5 }, "settings.rerank_weight"],
      [{ candidate_pool: 301 }, "settings.candidate_pool"],
      [{ rerank_candidates: 9 }, "settings.rerank_candidates"],
    ];
    for (const [settings, field] of cases) {
      const reply = await send("PUT", "/v1/search/settings", { key: admin, json: { settings } });
      expect(violatedFields(failed(reply, 400, "INVALID_ARGUMENT"))).toEqual([field]);
    }
    const reason = await send("PUT", "/v1/search/settings", {
      key: admin,
      json: { settings: {}, reason: "r".repeat(1025) },
    });
    expect(violatedFields(failed(reason, 400, "INVALID_ARGUMENT"))).toEqual(["reason"]);
    expect(await current()).toEqual(before);
  });

  it("rerank_by_default decides a search that does not say; rerank false still does not rerank", async () => {
    const subjectId = randomUUID();
    ok<WriteReply>(
      await send("POST", "/v1/memory", {
        key: admin,
        json: { subject_type: "fruit", subject_id: subjectId, kind: "note", content: "apples and pears" },
      }),
      201,
    );
    const request = { query: "apples", subject_id: subjectId, mode: "SEMANTIC" };
    const search = (json: Record<string, unknown>) => send("POST", "/v1/memory/search", { key: writer, json });
    expect((await search(request)).headers.get("engram-rerank")).toBeNull();

    const { revision } = await current();
    ok(
      await send("PUT", "/v1/search/settings", {
        key: admin,
        json: { settings: { rerank_by_default: true }, expected_revision: revision },
      }),
    );
    // Not said: reranked by default, which this server (no reranker) reports unavailable.
    const unsaid = await search(request);
    expect(ok<SearchResult[]>(unsaid).map((r) => r.memory.content)).toEqual(["apples and pears"]);
    expect(unsaid.headers.get("engram-rerank")).toBe("unavailable");
    // Said: false is false, not "not given".
    const refused = await search({ ...request, rerank: false });
    expect(ok<SearchResult[]>(refused)).toHaveLength(1);
    expect(refused.headers.get("engram-rerank")).toBeNull();
    expect((await search({ ...request, rerank: true })).headers.get("engram-rerank")).toBe("unavailable");
  });
});
