/**
 * WatchMemories over REST: GET /v1/memory:watch with the filter in the query string streams
 * newline-delimited JSON (whatever the Accept header, since the stream never ends), or
 * server-sent events for text/event-stream, whose ids are cursors and whose Last-Event-ID
 * resumes; a bad cursor is a 400 before any line.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { aNote } from "../../support/factories/memory.js";

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.createKey({ scopes: ["admin"] });
});
afterAll(async () => {
  await server?.close();
});

type Json = Record<string, unknown>;

/** A streamed response read chunk by chunk, and its text so far. */
class OpenResponse {
  text = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {
    this.reader = response.body!.getReader();
  }
  /** Reads until `done(text)` holds. */
  async until(done: (text: string) => boolean): Promise<string> {
    while (!done(this.text)) {
      const { value, done: ended } = await this.reader.read();
      if (ended) break;
      this.text += this.decoder.decode(value, { stream: true });
    }
    return this.text;
  }
  close(): void {
    this.abort.abort();
  }
}

async function open(path: string, headers: Record<string, string> = {}): Promise<OpenResponse> {
  const abort = new AbortController();
  const response = await fetch(`${server.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
    signal: abort.signal,
  });
  return new OpenResponse(response, abort);
}

async function write(subjectId: string, content: string): Promise<string> {
  const res = await fetch(`${server.baseUrl}/v1/memory`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ subject_type: "contact", subject_id: subjectId, kind: "note", content }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { memory: { id: string } }).memory.id;
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Json);

describe("GET /v1/memory:watch", () => {
  it("streams NDJSON: a heartbeat, then the changes matching the query-string filter", async () => {
    const subjectId = randomUUID();
    const stream = await open(`/v1/memory:watch?subject_type=contact&subject_id=${subjectId}`);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("application/x-ndjson");
    await stream.until((text) => lines(text).length === 1);
    expect(Object.keys(lines(stream.text)[0]!)).toEqual(["heartbeat"]);

    await write(randomUUID(), "a note about someone else");
    const id = await write(subjectId, "Ana moved to Lisbon");
    await stream.until((text) => lines(text).length === 2);
    const change = lines(stream.text)[1]!.change as Json;
    expect((change.memory as Json).id).toBe(id);
    expect((change.memory as Json).content).toBe("Ana moved to Lisbon");
    expect(change.revision).toBe("1");
    expect(typeof change.cursor).toBe("string");
    stream.close();
  });

  it("streams server-sent events with cursors as ids, and resumes from Last-Event-ID", async () => {
    const subjectId = randomUUID();
    const path = `/v1/memory:watch?subject_type=contact&subject_id=${subjectId}`;
    const first = await open(path, { accept: "text/event-stream" });
    expect(first.response.headers.get("content-type")).toBe("text/event-stream");
    await first.until((text) => text.includes("event: heartbeat"));
    await write(subjectId, "first fact about Ana");
    await first.until((text) => text.includes("event: change"));
    const lastId = /event: change\nid: (\d+)\n/.exec(first.text)?.[1];
    expect(lastId).toBeDefined();
    first.close();

    await write(subjectId, "second fact about Ana");
    const resumed = await open(path, { accept: "text/event-stream", "last-event-id": lastId! });
    const text = await resumed.until((t) => t.includes("event: change"));
    expect(text).toContain("second fact about Ana");
    expect(text).not.toContain("first fact about Ana");
    resumed.close();
  });

  it("never names a successor the watcher may not read, live or resumed", async () => {
    const [a, b] = [await server.createKey({ agentId: "agent-a" }), await server.createKey({ agentId: "agent-b" })];
    const writer = memoryClient(server.baseUrl, a);
    const subjectId = randomUUID();
    const path = `/v1/memory:watch?subject_id=${subjectId}`;
    const asB = { authorization: `Bearer ${b}` };
    const live = await open(path, asB);
    await live.until((text) => lines(text).length === 1);
    const note = (content: string, visibility: Visibility) => aNote(subjectId, content, { visibility });
    const old = (await writer.writeMemory({ memory: note("Ana works at Globex", Visibility.SHARED) })).memory!;
    const successor = (
      await writer.writeMemory({ memory: note("Ana moved to Initech", Visibility.PRIVATE), supersedes: [old.id] })
    ).memory!;
    const cursor = (lines(live.text)[0]!.heartbeat as Json).cursor as string;
    const resumed = await open(`${path}&after_cursor=${cursor}`, asB);
    for (const stream of [live, resumed]) {
      const text = await stream.until((t) => lines(t).filter((l) => "change" in l).length === 2);
      const changes = lines(text).flatMap((l) => ("change" in l ? [l.change as Json] : []));
      expect(changes.map((c) => [c.change, c.reason ?? "", (c.memory as Json).superseded_by ?? ""])).toEqual([
        ["created", "", ""],
        ["superseded", "superseded by another memory", ""],
      ]);
      expect(text).not.toContain(successor.id);
      stream.close();
    }
  });

  it("answers a malformed cursor with 400 and a JSON error, before streaming anything", async () => {
    const res = await fetch(`${server.baseUrl}/v1/memory:watch?after_cursor=not-a-cursor`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("after_cursor");
  });
});
