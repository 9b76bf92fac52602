import type http from "node:http";
import type http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { readAllBytes } from "@connectrpc/connect/protocol";
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { DomainError } from "../errors/domain-error.js";
import { MAX_REQUEST_BYTES } from "../api/limits.js";

/** A request the MCP endpoint refuses before any JSON-RPC exchange: an HTTP status and a JSON-RPC error. */
export class JsonRpcHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "JsonRpcHttpError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The JSON-RPC message (or batch) in a POST body, read here rather than by the SDK, which calls
 * valid JSON that is not JSON-RPC (a number, an empty batch, a message without jsonrpc) a parse
 * error or answers an empty batch with nothing. JSON-RPC 2.0 says: not JSON is a parse error
 * (-32700), JSON that is not a request, notification or response is an invalid request (-32600).
 * Messages never reach an error text: a body may be memory content.
 */
export async function readJsonRpcBody(
  req: http.IncomingMessage | http2.Http2ServerRequest,
  body: AsyncIterable<Uint8Array>,
): Promise<JSONRPCMessage | JSONRPCMessage[]> {
  const json = parseJson(await readBody(req, body));
  if (!Array.isArray(json)) {
    assertMessage(json, "the body");
    return json;
  }
  if (json.length === 0) throw invalidRequest("a batch must hold at least one message");
  json.forEach((message, i) => assertMessage(message, `message ${i} of the batch`));
  return json;
}

async function readBody(
  req: http.IncomingMessage | http2.Http2ServerRequest,
  body: AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  try {
    return await readAllBytes(body, MAX_REQUEST_BYTES, req.headers["content-length"]);
  } catch (err) {
    if (err instanceof DomainError) throw err;
    if (err instanceof ConnectError && err.code === Code.ResourceExhausted) {
      throw new JsonRpcHttpError(
        413,
        ErrorCode.InvalidRequest,
        `Invalid Request: bodies are limited to ${MAX_REQUEST_BYTES} bytes`,
      );
    }
    // The client went away, or broke its stream, part way through the body.
    throw new JsonRpcHttpError(400, ErrorCode.ParseError, "Parse error: the request body ended before it was complete");
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes)) as unknown;
  } catch {
    throw new JsonRpcHttpError(400, ErrorCode.ParseError, "Parse error: the body is not JSON in UTF-8");
  }
}

function assertMessage(value: unknown, what: string): asserts value is JSONRPCMessage {
  if (!JSONRPCMessageSchema.safeParse(value).success) {
    throw invalidRequest(`${what} is not a JSON-RPC 2.0 request, notification or response`);
  }
}

function invalidRequest(reason: string): JsonRpcHttpError {
  return new JsonRpcHttpError(400, ErrorCode.InvalidRequest, `Invalid Request: ${reason}`);
}
