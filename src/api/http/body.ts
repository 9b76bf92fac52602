import { isUtf8 } from "node:buffer";
import type { JsonValue } from "@bufbuild/protobuf";
import { DomainError, invalidArgument } from "../../errors/domain-error.js";
import { MAX_REQUEST_BYTES } from "../limits.js";
import { HttpError } from "./http-error.js";

/** The body ended before it was complete: the client broke its stream or went away part way. */
export class IncompleteBody extends Error {
  constructor(cause: unknown) {
    super("the request body ended before it was complete", { cause });
    this.name = "IncompleteBody";
  }
}

/** The body is larger than the limit (announced, or as it streamed in). */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`bodies are limited to ${maxBytes} bytes`);
    this.name = "BodyTooLarge";
  }
}

/**
 * A request body, whole, within `maxBytes`: refused from the announced length before a byte
 * is read, else as soon as it grows past the limit. The one body reader of every protocol.
 */
export async function readBody(
  contentLength: string | null | undefined,
  body: AsyncIterable<Uint8Array>,
  maxBytes = MAX_REQUEST_BYTES,
): Promise<Buffer> {
  if (Number(contentLength ?? 0) > maxBytes) throw new BodyTooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxBytes) throw new BodyTooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    // Our own refusals (too large; the server's body budget spent) stand; anything else is the stream breaking.
    if (err instanceof BodyTooLarge || err instanceof DomainError) throw err;
    throw new IncompleteBody(err);
  }
  return Buffer.concat(chunks);
}

/**
 * A JSON body, valid UTF-8 and sent as application/json; undefined when there is none.
 * `route` names the route in error messages.
 */
export function parseJsonBody(bytes: Buffer, contentType: string | undefined, route: string): JsonValue | undefined {
  // Decoding would quietly turn invalid UTF-8 into U+FFFD, and that is what would be stored.
  if (!isUtf8(bytes)) throw invalidArgument("body", "INVALID_UTF8", `${route} body is not valid UTF-8`);
  const text = bytes.toString("utf8");
  if (text.trim() === "") return undefined;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `send the body as application/json (got "${type || "none"}")`);
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    const detail = err instanceof Error ? err.message : "malformed";
    throw invalidArgument("body", "INVALID_JSON", `${route} body is not valid JSON: ${detail}`);
  }
}
