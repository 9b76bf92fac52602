/**
 * Erasure over REST, as curl sees it: POST /v1/memory:erase answers the stream's progress events
 * and receipt as one JSON array (or one per line as NDJSON), in the REST dialect; a dry run
 * counts and erases nothing; the receipts are at /v1/erasure-receipts, newest first, each at
 * /v1/erasure-receipts/{id} for the key that asked (and the workspace's admin); an erased memory
 * is 404, history and all; a refused erasure is an ordinary 400 JSON error.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERASER_SCOPES } from "../../support/erasure.js";
import { startTestServer, type TestServer } from "../../support/server.js";

type Json = Record<string, unknown>;

interface Receipt {
  id: string;
  time: string;
  key_id: string;
  agent_id: string;
  filter?: Json;
  requested_ids: number;
  counts: Record<string, string>;
  erased_ids_digest: string;
  dry_run: boolean;
  batches: number;
  complete: boolean;
}

type Event = { progress: { erased: string; total: string } } | { receipt: Receipt };

let server: TestServer;
let eraser: string;
let otherEraser: string;
const agent = `agent-${randomUUID()}`;

beforeAll(async () => {
  server = await startTestServer();
  eraser = await server.createKey({ agentId: agent, scopes: ERASER_SCOPES });
  otherEraser = await server.createKey({ agentId: `other-${agent}`, scopes: ERASER_SCOPES });
});
afterAll(async () => {
  await server?.close();
});

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, key = eraser) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

async function json<T = Json>(method: string, path: string, body?: unknown, key?: string) {
  const reply = await send(method, path, body, {}, key);
  return { status: reply.status, body: JSON.parse(reply.text) as T };
}

async function note(subjectId: string, content: string): Promise<string> {
  const reply = await json<{ memory: { id: string } }>("POST", "/v1/memory", {
    subject_type: "contact",
    subject_id: subjectId,
    kind: "note",
    content,
  });
  expect(reply.status).toBe(201);
  return reply.body.memory.id;
}

/** The digest a receipt should carry for these ids: the sum of their SHA-256s, modulo 2^256. */
function digestOf(ids: string[]): string {
  const sum = ids.reduce((acc, id) => acc + BigInt(`0x${createHash("sha256").update(id).digest("hex")}`), 0n);
  return (sum % (1n << 256n)).toString(16).padStart(64, "0");
}

const receiptOf = (events: Event[]): Receipt => {
  const last = events.at(-1);
  if (last === undefined || !("receipt" in last)) throw new Error(`no receipt last in ${JSON.stringify(events)}`);
  return last.receipt;
};

describe("POST /v1/memory:erase", () => {
  it("dry-runs, erases by filter with progress then a receipt, and the erased memories are 404", async () => {
    const subjectId = `erase-${randomUUID()}`;
    const ids = [await note(subjectId, "Ana's phone is 555-0100"), await note(subjectId, "Ana lives on Elm St")];
    const kept = await note(`kept-${randomUUID()}`, "a memory about someone else");
    await json("PATCH", `/v1/memory/${ids[0]}`, { title: "phone" });

    const dry = await json<Event[]>("POST", "/v1/memory:erase", { filter: { subject_id: subjectId }, dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toHaveLength(1);
    expect(receiptOf(dry.body)).toMatchObject({ id: "", dry_run: true, counts: { memories: "2", revisions: "3" } });
    for (const id of ids) expect((await send("GET", `/v1/memory/${id}`)).status).toBe(200);
    expect((await json<{ receipts: Receipt[] }>("GET", "/v1/erasure-receipts")).body.receipts).toEqual([]);

    const erased = await json<Event[]>("POST", "/v1/memory:erase", { filter: { subject_id: subjectId } });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual([{ progress: { erased: "2", total: "2" } }, { receipt: expect.any(Object) }]);
    const receipt = receiptOf(erased.body);
    expect(receipt).toMatchObject({
      agent_id: agent,
      dry_run: false,
      complete: true,
      batches: 1,
      requested_ids: 0,
      filter: expect.objectContaining({ subject_id: subjectId }),
      counts: expect.objectContaining({ memories: "2", revisions: "3", staged_writes: "0" }),
      erased_ids_digest: digestOf(ids),
    });
    expect(receipt.id).toMatch(/^[0-9a-f-]{36}$/);
    // No content of an erased memory is in its receipt.
    expect(JSON.stringify(receipt)).not.toMatch(/555-0100|Elm St/);

    for (const id of ids) {
      const gone = await json<{ error: { status: string } }>("GET", `/v1/memory/${id}`);
      expect([gone.status, gone.body.error.status]).toEqual([404, "NOT_FOUND"]);
      expect((await send("GET", `/v1/memory/${id}/revisions`)).status).toBe(404);
    }
    expect((await send("GET", `/v1/memory/${kept}`)).status).toBe(200);
    const again = await json<{ memories: unknown[] }>("GET", `/v1/memory?subject_id=${subjectId}&show_deleted=true`);
    expect(again.body.memories).toEqual([]);
  });

  it("streams one JSON line per event when asked for NDJSON, by ids", async () => {
    const id = await note(`erase-${randomUUID()}`, "to erase by id");
    const reply = await send("POST", "/v1/memory:erase", { ids: [id] }, { accept: "application/x-ndjson" });
    expect(reply.status).toBe(200);
    expect(reply.type).toMatch(/^application\/x-ndjson/);
    const events = reply.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Event);
    expect(events[0]).toEqual({ progress: { erased: "1", total: "1" } });
    expect(receiptOf(events)).toMatchObject({ requested_ids: 1, counts: { memories: "1" } });
    // A receipt of ids says how many were named, not which, and holds no filter.
    expect(receiptOf(events)).not.toHaveProperty("filter");
    expect(receiptOf(events).erased_ids_digest).toBe(digestOf([id]));
    expect((await send("GET", `/v1/memory/${id}`)).status).toBe(404);
  });

  it("refuses a filter that narrows nothing and another agent's memory with a JSON error, also for NDJSON", async () => {
    const id = await note(`erase-${randomUUID()}`, "not to be erased by another agent");
    for (const accept of ["application/json", "application/x-ndjson"]) {
      const empty = await send("POST", "/v1/memory:erase", { filter: {} }, { accept });
      expect([empty.status, empty.type]).toEqual([400, expect.stringMatching(/^application\/json/)]);
      const error = (JSON.parse(empty.text) as { error: { status: string; details: Json[] } }).error;
      expect(error.status).toBe("INVALID_ARGUMENT");
      expect(error.details).toContainEqual(expect.objectContaining({ reason: "EMPTY_FILTER" }));
    }
    const theirs = await json<{ error: { status: string } }>("POST", "/v1/memory:erase", { ids: [id] }, otherEraser);
    expect([theirs.status, theirs.body.error.status]).toEqual([404, "NOT_FOUND"]);
    expect((await send("GET", `/v1/memory/${id}`)).status).toBe(200);
  });
});

describe("GET /v1/erasure-receipts", () => {
  it("lists the key's receipts newest first, page by page, each also at its own path", async () => {
    const mine: Receipt[] = [];
    for (const n of [1, 2]) {
      const id = await note(`erase-${randomUUID()}`, `paged ${n}`);
      mine.unshift(receiptOf((await json<Event[]>("POST", "/v1/memory:erase", { ids: [id] })).body));
    }
    const all = await json<{ receipts: Receipt[]; next_page_token: string }>("GET", "/v1/erasure-receipts");
    expect(all.status).toBe(200);
    expect(all.body.receipts.slice(0, 2)).toEqual(mine);
    expect(all.body.receipts.every((r) => r.agent_id === agent)).toBe(true);

    const first = await json<{ receipts: Receipt[]; next_page_token: string }>(
      "GET",
      "/v1/erasure-receipts?page_size=1",
    );
    expect(first.body.receipts).toEqual([mine[0]]);
    const second = await json<{ receipts: Receipt[] }>(
      "GET",
      `/v1/erasure-receipts?page_size=1&page_token=${first.body.next_page_token}`,
    );
    expect(second.body.receipts).toEqual([mine[1]]);

    const one = await json<{ receipt: Receipt }>("GET", `/v1/erasure-receipts/${mine[0]!.id}`);
    expect([one.status, one.body.receipt]).toEqual([200, mine[0]]);
    expect((await json("GET", `/v1/erasure-receipts/${mine[0]!.id}`, undefined, server.adminKey)).status).toBe(200);
    const other = await json<{ error: { status: string } }>(
      "GET",
      `/v1/erasure-receipts/${mine[0]!.id}`,
      undefined,
      otherEraser,
    );
    expect([other.status, other.body.error.status]).toEqual([404, "NOT_FOUND"]);
    const otherList = await json<{ receipts: Receipt[] }>("GET", "/v1/erasure-receipts", undefined, otherEraser);
    expect(otherList.body.receipts.map((r) => r.id)).not.toContain(mine[0]!.id);
  });

  it("answers 404 for an unknown receipt and 400 for a page token it never issued", async () => {
    const unknown = await json<{ error: { status: string } }>("GET", `/v1/erasure-receipts/${randomUUID()}`);
    expect([unknown.status, unknown.body.error.status]).toEqual([404, "NOT_FOUND"]);
    const token = await json<{ error: { status: string } }>("GET", "/v1/erasure-receipts?page_token=nope");
    expect([token.status, token.body.error.status]).toEqual([400, "INVALID_ARGUMENT"]);
  });
});
