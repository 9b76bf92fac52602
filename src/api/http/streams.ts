import type http from "node:http";
import type { JsonValue, Message } from "@bufbuild/protobuf";
import type { HttpRequest, HttpResponse } from "../request-handler.js";
import { errorBodyOf } from "./error-body.js";

const NDJSON = "application/x-ndjson";
const EVENT_STREAM = "text/event-stream";

/** Whether the client asked for newline-delimited JSON, one message per line as it is ready. */
export function wantsNdjson(req: HttpRequest): boolean {
  return accepts(req, NDJSON);
}

/** Whether the client asked for server-sent events (an EventSource does). */
export function wantsEventStream(req: HttpRequest): boolean {
  return accepts(req, EVENT_STREAM);
}

export function accepts(req: HttpRequest, type: string): boolean {
  return (req.headers.accept ?? "").split(",").some((part) => part.split(";")[0]?.trim().toLowerCase() === type);
}

/** How one kind of stream body frames a message and a failure after the first message. */
interface Framing {
  contentType: string;
  headers?: Record<string, string>;
  message(message: Message, json: JsonValue): string;
  error(body: JsonValue): string;
}

const NDJSON_FRAMING: Framing = {
  contentType: NDJSON,
  message: (_message, json) => JSON.stringify(json) + "\n",
  error: (body) => JSON.stringify({ error: body }) + "\n",
};

/**
 * Server-sent events: each message an event named after the oneof case it carries (a
 * WatchMemories `change` or `heartbeat`), its cursor as the event id, which EventSource sends
 * back as Last-Event-ID when it reconnects.
 */
const SSE_FRAMING: Framing = {
  contentType: EVENT_STREAM,
  headers: { "cache-control": "no-cache" },
  message(message, json) {
    const { name, id } = eventOf(message);
    return `${name === undefined ? "" : `event: ${name}\n`}${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(json)}\n\n`;
  },
  error: (body) => `event: error\ndata: ${JSON.stringify(body)}\n\n`,
};

/** Newline-delimited JSON, each line written as its message arrives. */
export function streamJson(res: HttpResponse, messages: AsyncIterable<Message>, toJson: (m: Message) => JsonValue) {
  return streamBody(res, messages, toJson, NDJSON_FRAMING);
}

/** Server-sent events, each written as its message arrives. */
export function streamEvents(res: HttpResponse, messages: AsyncIterable<Message>, toJson: (m: Message) => JsonValue) {
  return streamBody(res, messages, toJson, SSE_FRAMING);
}

/**
 * Writes each message as it arrives, reading the next only once the client has taken the last
 * (a slow reader holds back the stream instead of filling the server's memory). A failure
 * before the first message is thrown (the client still gets a proper HTTP error status);
 * after it, the stream ends with an error frame.
 */
async function streamBody(
  res: HttpResponse,
  messages: AsyncIterable<Message>,
  toJson: (message: Message) => JsonValue,
  framing: Framing,
): Promise<void> {
  const response = res as http.ServerResponse;
  let started = false;
  const start = () => {
    response.writeHead(200, { "content-type": framing.contentType, ...framing.headers });
    // Headers now, not with the first message: a watcher learns at once that its stream is open.
    response.flushHeaders();
    started = true;
  };
  try {
    for await (const message of messages) {
      if (!started) start();
      if (!response.write(framing.message(message, toJson(message)))) await drained(response);
      // A client that left ends the stream here (its messages stop being produced).
      if (response.destroyed) return;
    }
  } catch (err) {
    if (!started) throw err;
    response.end(framing.error(errorBodyOf(err)));
    return;
  }
  if (!started) start();
  response.end();
}

/** Resolves once the response's buffer has room again, or it closed. */
function drained(response: http.ServerResponse): Promise<void> {
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

/** The event name and id of a message that carries one case of a oneof, with a cursor. */
function eventOf(message: Message): { name?: string; id?: string } {
  for (const value of Object.values(message)) {
    if (typeof value === "object" && value !== null && "case" in value && typeof value.case === "string") {
      const carried: unknown = (value as { value?: unknown }).value;
      const cursor =
        typeof carried === "object" && carried !== null ? (carried as { cursor?: unknown }).cursor : undefined;
      return { name: value.case, id: typeof cursor === "string" && cursor !== "" ? cursor : undefined };
    }
  }
  return {};
}
