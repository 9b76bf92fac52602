import type http from "node:http";
import type { JsonValue, Message } from "@bufbuild/protobuf";
import type { HttpRequest, HttpResponse } from "../request-handler.js";
import { errorBodyOf } from "./error-body.js";

const NDJSON = "application/x-ndjson";

/** Whether the client asked for newline-delimited JSON, one message per line as it is ready. */
export function wantsNdjson(req: HttpRequest): boolean {
  return accepts(req, NDJSON);
}

export function accepts(req: HttpRequest, type: string): boolean {
  return (req.headers.accept ?? "").split(",").some((part) => part.split(";")[0]?.trim().toLowerCase() === type);
}

/**
 * A stream of messages as newline-delimited JSON, each line written as it arrives. A failure
 * before the first line is thrown (the client still gets a proper HTTP error status); after
 * it, the stream ends with an error line.
 */
export async function streamJson(
  res: HttpResponse,
  messages: AsyncIterable<Message>,
  toJson: (message: Message) => JsonValue,
): Promise<void> {
  const response = res as http.ServerResponse;
  let started = false;
  try {
    for await (const message of messages) {
      if (!started) {
        response.writeHead(200, { "content-type": NDJSON });
        started = true;
      }
      response.write(JSON.stringify(toJson(message)) + "\n");
    }
  } catch (err) {
    if (!started) throw err;
    response.end(JSON.stringify({ error: errorBodyOf(err) }) + "\n");
    return;
  }
  if (!started) response.writeHead(200, { "content-type": NDJSON });
  response.end();
}
