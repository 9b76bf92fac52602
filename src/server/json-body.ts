import { isUtf8 } from "node:buffer";
import type http from "node:http";
import type http2 from "node:http2";
import type { JsonValue } from "@bufbuild/protobuf";
import { MAX_REQUEST_BYTES } from "../api/limits.js";
import { invalidArgument } from "../errors/domain-error.js";
import { RestError } from "./rest/responses.js";

/**
 * A JSON request body, within MAX_REQUEST_BYTES (refused from the announced length before a
 * byte is read), valid UTF-8 and sent as application/json; undefined when there is none.
 * `route` names the route in error messages.
 */
export async function readJsonBody(
  req: http.IncomingMessage | http2.Http2ServerRequest,
  body: AsyncIterable<Uint8Array>,
  route: string,
): Promise<JsonValue | undefined> {
  const tooLarge = () => new RestError(413, "PAYLOAD_TOO_LARGE", `bodies are limited to ${MAX_REQUEST_BYTES} bytes`);
  // Refused from the announced length alone, before a byte of the body is read.
  if (Number(req.headers["content-length"] ?? 0) > MAX_REQUEST_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  // Decoding would quietly turn invalid UTF-8 into U+FFFD, and that is what would be stored.
  if (!isUtf8(bytes)) throw invalidArgument("body", "INVALID_UTF8", `${route} body is not valid UTF-8`);
  const text = bytes.toString("utf8");
  if (text.trim() === "") return undefined;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new RestError(415, "UNSUPPORTED_MEDIA_TYPE", `send the body as application/json (got "${type || "none"}")`);
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    const detail = err instanceof Error ? err.message : "malformed";
    throw invalidArgument("body", "INVALID_JSON", `${route} body is not valid JSON: ${detail}`);
  }
}
