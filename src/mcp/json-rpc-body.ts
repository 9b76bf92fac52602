import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { HttpError } from "../api/http/http-error.js";

/** A request the MCP endpoint refuses before any JSON-RPC exchange: an HTTP status and a JSON-RPC error code. */
export class JsonRpcHttpError extends HttpError {
  constructor(
    status: number,
    readonly code: number,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(status, "JSON_RPC", message, headers);
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
export function parseJsonRpcBody(bytes: Uint8Array): JSONRPCMessage | JSONRPCMessage[] {
  const json = parseJson(bytes);
  if (!Array.isArray(json)) {
    assertMessage(json, "the body");
    return json;
  }
  if (json.length === 0) throw invalidRequest("a batch must hold at least one message");
  const batch: unknown[] = json;
  batch.forEach((message, i) => assertMessage(message, `message ${i} of the batch`));
  return batch as JSONRPCMessage[];
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
