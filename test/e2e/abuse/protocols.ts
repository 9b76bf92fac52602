import {
  createRegistry,
  fromBinary,
  fromJson,
  getOption,
  toBinary,
  toJson,
  type DescMessage,
  type DescMethod,
  type JsonObject,
  type JsonValue,
} from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { rest_alias } from "../../../gen/ts/engram/v1/rest_pb.js";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../../gen/ts/google/rpc/status_pb.js";
import { h1, h2, type Exchange } from "./wire.js";

export type Protocol = "connect-json" | "connect-proto" | "grpc" | "grpc-web" | "rest" | "mcp";
export const PROTOCOLS: Protocol[] = ["connect-json", "connect-proto", "grpc", "grpc-web", "rest", "mcp"];
export const BINARY_PROTOCOLS: Protocol[] = ["connect-proto", "grpc", "grpc-web"];

/** How a call ended, in the same terms for every protocol. */
export interface Outcome {
  /** "ok", a Connect code name ("invalid_argument"), or "no_answer". */
  code: string;
  httpStatus?: number;
  message: string;
  /** google.rpc.ErrorInfo.reason, when the error carried one. */
  reason?: string;
  /** The answer as JSON, for leak checks. */
  payload?: unknown;
}

/** One RPC with its request as proto3 JSON; the overrides carry what that JSON cannot say. */
export interface Call {
  method: DescMethod;
  json: JsonObject;
  /** The Connect JSON body byte for byte (invalid UTF-8, NaN literals, unbalanced nesting). */
  jsonBytes?: Buffer;
  /** The protobuf bytes as sent, when the message model cannot hold the hostile value. */
  binary?: Uint8Array;
}

export interface Target {
  port: number;
  key: string | null;
}

// ---------------------------------------------------------------- sending a Call

/** Sends a call over one protocol; undefined when that protocol cannot express it. */
export async function sendCall(target: Target, protocol: Protocol, call: Call): Promise<Outcome | undefined> {
  switch (protocol) {
    case "connect-json":
      return connect(target, call.method, "json", call.jsonBytes ?? Buffer.from(JSON.stringify(call.json)));
    case "connect-proto":
    case "grpc":
    case "grpc-web": {
      const bytes = call.binary ?? binaryOf(call);
      if (bytes === undefined) return undefined;
      if (protocol === "connect-proto") return connect(target, call.method, "proto", Buffer.from(bytes));
      return (protocol === "grpc" ? grpc : grpcWeb)(target, pathOf(call.method), envelope(0, bytes), call.method);
    }
    case "rest": {
      const request = restRequestOf(call);
      return request === undefined ? undefined : rest(target, request);
    }
    case "mcp": {
      const tool = MCP_TOOLS[call.method.name];
      if (tool === undefined) return undefined;
      return mcp(target, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: tool, arguments: mcpArgumentsOf(call) },
      });
    }
  }
}

/**
 * The protobuf encoding of the call. Lone surrogates cannot be UTF-8 encoded: they are sent
 * as U+FFFD and patched, byte for byte, into the surrogate's own (invalid) UTF-8 form.
 */
function binaryOf(call: Call): Uint8Array | undefined {
  let patched = false;
  const clean = JSON.parse(
    JSON.stringify(call.json, (_, value: unknown) => {
      if (typeof value !== "string" || value.isWellFormed()) return value;
      patched = true;
      return value.toWellFormed();
    }),
  ) as JsonObject;
  let bytes: Uint8Array;
  try {
    bytes = toBinary(call.method.input, fromJson(call.method.input, clean));
  } catch {
    return undefined;
  }
  return patched ? replaceBytes(bytes, REPLACEMENT_UTF8, LONE_SURROGATE_UTF8) : bytes;
}

const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);
/** U+D800 as UTF-8 would spell it, were it allowed: the same length as U+FFFD. */
const LONE_SURROGATE_UTF8 = Buffer.from([0xed, 0xa0, 0x80]);

function replaceBytes(bytes: Uint8Array, from: Buffer, to: Buffer): Uint8Array {
  const out = Buffer.from(bytes);
  for (let i = out.indexOf(from); i !== -1; i = out.indexOf(from, i + to.length)) to.copy(out, i);
  return out;
}

export function pathOf(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** A length-prefixed message as gRPC, gRPC-Web and Connect streams frame it. */
export function envelope(flags: number, bytes: Uint8Array, declaredLength = bytes.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(declaredLength >>> 0, 1);
  return Buffer.concat([head, bytes]);
}

function auth(target: Target): Record<string, string> {
  return target.key === null ? {} : { authorization: `Bearer ${target.key}` };
}

// ---------------------------------------------------------------- Connect

export interface ConnectOptions {
  headers?: Record<string, string>;
  /** Whole-body chunks for oversize requests. */
  chunks?: () => Iterable<Buffer>;
  /** A server-streaming body that is already framed (for envelope abuse). */
  framed?: boolean;
}

/** Connect unary, or server streaming for SearchMemories (then the body is framed here unless `framed`). */
export async function connect(
  target: Target,
  method: DescMethod,
  codec: "json" | "proto",
  body: Buffer,
  options: ConnectOptions = {},
): Promise<Outcome> {
  const streaming = method.methodKind === "server_streaming";
  const contentType = streaming ? `application/connect+${codec}` : `application/${codec}`;
  const exchange = await h1(target.port, {
    method: "POST",
    path: pathOf(method),
    headers: { "content-type": contentType, "connect-protocol-version": "1", ...auth(target), ...options.headers },
    body: options.chunks ?? (streaming && !options.framed ? envelope(0, body) : body),
  });
  if (exchange.kind === "fault") return noAnswer(exchange.fault);
  const { status, body: answer } = exchange;
  if (streaming && status === 200) return connectStreamOutcome(answer, method, codec);
  if (status === 200)
    return { code: "ok", httpStatus: 200, message: "", payload: decodeOutput(method.output, codec, answer) };
  return connectErrorOutcome(status, parseJson(answer));
}

function connectStreamOutcome(body: Buffer, method: DescMethod, codec: "json" | "proto"): Outcome {
  const payload: unknown[] = [];
  for (const frame of frames(body)) {
    if ((frame.flags & 0x02) === 0) {
      payload.push(decodeOutput(method.output, codec, frame.data));
      continue;
    }
    const end = parseJson(frame.data) as { error?: unknown } | undefined;
    if (end?.error !== undefined) return connectErrorOutcome(200, end.error);
    return { code: "ok", httpStatus: 200, message: "", payload };
  }
  return { code: "unknown", httpStatus: 200, message: "stream ended without an end-stream message" };
}

function connectErrorOutcome(status: number, error: unknown): Outcome {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    details?: { type?: string; value?: string }[];
  };
  const code = typeof e.code === "string" ? e.code : httpCode(status);
  const info = (Array.isArray(e.details) ? e.details : []).find((d) => d.type === "google.rpc.ErrorInfo");
  return {
    code,
    httpStatus: status,
    message: typeof e.message === "string" ? e.message : "",
    reason: info?.value === undefined ? undefined : safe(() => fromBinary(ErrorInfoSchema, base64(info.value!)).reason),
  };
}

/** The details a google.rpc.Status may pack (per-item batch errors), for answers decoded to JSON. */
const DETAILS = createRegistry(ErrorInfoSchema, BadRequestSchema, RetryInfoSchema);

function decodeOutput(desc: DescMessage, codec: "json" | "proto", bytes: Buffer): unknown {
  if (codec === "json") return parseJson(bytes);
  return safe(() => toJson(desc, fromBinary(desc, bytes), { registry: DETAILS }));
}

// ---------------------------------------------------------------- gRPC and gRPC-Web

export async function grpc(
  target: Target,
  path: string,
  body: Buffer | (() => Iterable<Buffer>),
  output?: DescMethod,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const exchange = await h2(target.port, {
    method: "POST",
    path,
    headers: { "content-type": "application/grpc+proto", te: "trailers", ...auth(target), ...headers },
    body,
  });
  if (exchange.kind === "fault") return noAnswer(exchange.fault);
  return grpcOutcome(exchange, { ...exchange.headers, ...exchange.trailers }, exchange.body, output);
}

export async function grpcWeb(
  target: Target,
  path: string,
  body: Buffer | (() => Iterable<Buffer>),
  output?: DescMethod,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const exchange = await h1(target.port, {
    method: "POST",
    path,
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...auth(target), ...headers },
    body,
  });
  if (exchange.kind === "fault") return noAnswer(exchange.fault);
  const status: Record<string, string> = { ...exchange.headers };
  const data: Buffer[] = [];
  for (const frame of frames(exchange.body)) {
    if ((frame.flags & 0x80) === 0) {
      data.push(envelope(frame.flags, frame.data));
      continue;
    }
    for (const line of frame.data.toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) status[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return grpcOutcome(exchange, status, Buffer.concat(data), output);
}

function grpcOutcome(
  exchange: Extract<Exchange, { kind: "response" }>,
  status: Record<string, string>,
  data: Buffer,
  output: DescMethod | undefined,
): Outcome {
  const grpcStatus = status["grpc-status"];
  if (grpcStatus === undefined) {
    // No gRPC status at all: the HTTP status decides, as gRPC clients map it.
    return { code: codeToString(grpcCodeFromHttp(exchange.status)), httpStatus: exchange.status, message: "" };
  }
  const code = Number(grpcStatus) as Code;
  if (code === (0 as Code)) {
    const payload =
      output === undefined ? undefined : [...frames(data)].map((f) => decodeOutput(output.output, "proto", f.data));
    return { code: "ok", httpStatus: exchange.status, message: "", payload };
  }
  const details = status["grpc-status-details-bin"];
  const info =
    details === undefined
      ? undefined
      : safe(() =>
          fromBinary(StatusSchema, base64(details)).details.find((d) => d.typeUrl.endsWith("/google.rpc.ErrorInfo")),
        );
  return {
    code: codeToString(code) ?? `code_${grpcStatus}`,
    httpStatus: exchange.status,
    message: safe(() => decodeURIComponent(status["grpc-message"] ?? "")) ?? status["grpc-message"] ?? "",
    reason: info === undefined ? undefined : safe(() => fromBinary(ErrorInfoSchema, info.value).reason),
  };
}

/** https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md */
function grpcCodeFromHttp(status: number): Code {
  if (status === 400) return Code.Internal;
  if (status === 401) return Code.Unauthenticated;
  if (status === 403) return Code.PermissionDenied;
  if (status === 404) return Code.Unimplemented;
  if ([429, 502, 503, 504].includes(status)) return Code.Unavailable;
  return Code.Unknown;
}

// ---------------------------------------------------------------- REST

export interface RestRequest {
  verb: string;
  /** Path and query, already percent-encoded. */
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  chunks?: () => Iterable<Buffer>;
}

export async function rest(target: Target, request: RestRequest): Promise<Outcome> {
  const body = typeof request.body === "string" ? Buffer.from(request.body) : request.body;
  const exchange = await h1(target.port, {
    method: request.verb,
    path: request.path,
    headers: {
      ...(body !== undefined || request.chunks !== undefined ? { "content-type": "application/json" } : {}),
      ...auth(target),
      ...request.headers,
    },
    body: request.chunks ?? body,
  });
  if (exchange.kind === "fault") return noAnswer(exchange.fault);
  const json = parseJson(exchange.body);
  if (exchange.status < 300) return { code: "ok", httpStatus: exchange.status, message: "", payload: json };
  const error = (json as { error?: { status?: string; message?: string; details?: Record<string, unknown>[] } })?.error;
  const info = error?.details?.find((d) => String(d["@type"]).endsWith("/google.rpc.ErrorInfo"));
  return {
    code: error?.status?.toLowerCase() ?? httpCode(exchange.status),
    httpStatus: exchange.status,
    message: error?.message ?? "",
    reason: typeof info?.reason === "string" ? info.reason : undefined,
  };
}

/**
 * A call to one of the other memory APIs' routes (SharedMemory, Memanto, Penumbra), whose
 * errors have their own shapes: {error, message} or FastAPI's {detail}. The code is the HTTP
 * status's; the reason, their error word.
 */
export async function seedRest(
  target: Target,
  request: RestRequest & { credential?: "bearer" | "session" },
): Promise<Outcome> {
  const body = typeof request.body === "string" ? Buffer.from(request.body) : request.body;
  const credential =
    target.key === null ? {} : request.credential === "session" ? { "x-session-token": target.key } : auth(target);
  const exchange = await h1(target.port, {
    method: request.verb,
    path: request.path,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...credential,
      ...request.headers,
    },
    body,
  });
  if (exchange.kind === "fault") return noAnswer(exchange.fault);
  const json = parseJson(exchange.body) as { error?: unknown; message?: unknown; detail?: unknown } | undefined;
  if (exchange.status < 300) return { code: "ok", httpStatus: exchange.status, message: "", payload: json };
  const message =
    typeof json?.message === "string" ? json.message : json?.detail === undefined ? "" : JSON.stringify(json.detail);
  return {
    code: httpCode(exchange.status),
    httpStatus: exchange.status,
    message,
    reason: typeof json?.error === "string" ? json.error : undefined,
  };
}

/** The public REST bindings (google.api.http) of every RPC the suite calls. */
const REST_ROUTES: Record<string, { verb: string; template: string; body: string }> = {
  WriteMemory: { verb: "POST", template: "/v1/memory", body: "memory" },
  BatchWriteMemories: { verb: "POST", template: "/v1/memory:batch", body: "*" },
  GetMemory: { verb: "GET", template: "/v1/memory/{id}", body: "" },
  ListMemories: { verb: "GET", template: "/v1/memory", body: "" },
  UpdateMemory: { verb: "PATCH", template: "/v1/memory/{id}", body: "memory" },
  DeleteMemory: { verb: "DELETE", template: "/v1/memory/{id}", body: "" },
  UndeleteMemory: { verb: "POST", template: "/v1/memory/{id}:undelete", body: "*" },
  ListMemoryRevisions: { verb: "GET", template: "/v1/memory/{id}/revisions", body: "" },
  UnsupersedeMemory: { verb: "POST", template: "/v1/memory/{id}:unsupersede", body: "*" },
  SearchMemories: { verb: "POST", template: "/v1/memory/search", body: "*" },
  EvaluateSearch: { verb: "POST", template: "/v1/search:evaluate", body: "*" },
  GetSearchSettings: { verb: "GET", template: "/v1/search/settings", body: "" },
  UpdateSearchSettings: { verb: "PUT", template: "/v1/search/settings", body: "*" },
  ListSearchSettingsRevisions: { verb: "GET", template: "/v1/search/settings/revisions", body: "" },
  ExportMemories: { verb: "POST", template: "/v1/memory:export", body: "*" },
  WatchMemories: { verb: "GET", template: "/v1/memory:watch", body: "" },
  ImportMemories: { verb: "POST", template: "/v1/memory:import", body: "*" },
  EraseMemories: { verb: "POST", template: "/v1/memory:erase", body: "*" },
  ListErasureReceipts: { verb: "GET", template: "/v1/erasure-receipts", body: "" },
  GetErasureReceipt: { verb: "GET", template: "/v1/erasure-receipts/{id}", body: "" },
  CreateApiKey: { verb: "POST", template: "/v1/api-keys", body: "apiKey" },
  ListApiKeys: { verb: "GET", template: "/v1/api-keys", body: "" },
  RevokeApiKey: { verb: "POST", template: "/v1/api-keys/{id}:revoke", body: "*" },
  CreateStagedWrite: { verb: "POST", template: "/v1/stagedWrites", body: "*" },
  ListStagedWrites: { verb: "GET", template: "/v1/stagedWrites", body: "" },
  GetStagedWrite: { verb: "GET", template: "/v1/stagedWrites/{id}", body: "" },
  ApplyStagedWrite: { verb: "POST", template: "/v1/stagedWrites/{id}:apply", body: "*" },
  DiscardStagedWrite: { verb: "POST", template: "/v1/stagedWrites/{id}:discard", body: "*" },
};

function restRequestOf(call: Call): RestRequest | undefined {
  const route = REST_ROUTES[call.method.name];
  if (route === undefined) return undefined;
  const rest = { ...call.json };
  const path = route.template.replace(/\{(\w+)\}/, (_, name: string) => {
    const raw = rest[name];
    const value = typeof raw === "string" ? raw : raw === undefined ? "" : JSON.stringify(raw);
    delete rest[name];
    return percentEncode(value);
  });
  let body: JsonValue | undefined;
  if (route.body === "*") {
    body = rest;
  } else if (route.body !== "") {
    body = rest[route.body] ?? {};
    delete rest[route.body];
  }
  const query = route.body === "*" ? [] : queryOf(rest, "");
  return {
    verb: route.verb,
    path: path + (query.length > 0 ? `?${query.join("&")}` : ""),
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

/** Struct fields, which REST's query string takes as their JSON text rather than field by field. */
const STRUCT_PARAMETERS = new Set(["filter.metadata"]);

function queryOf(json: JsonValue, prefix: string): string[] {
  if (STRUCT_PARAMETERS.has(prefix)) return [`${prefix}=${percentEncode(JSON.stringify(json))}`];
  if (Array.isArray(json)) return json.flatMap((v) => queryOf(v, prefix));
  if (typeof json === "object" && json !== null) {
    return Object.entries(json).flatMap(([name, value]) => queryOf(value, prefix === "" ? name : `${prefix}.${name}`));
  }
  // Query parameters go by proto field name: the gateway's own defaults (update_mask) look for those.
  const name = prefix.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return [`${name}=${percentEncode(String(json))}`];
}

/** Percent-encoding that keeps lone surrogates hostile (as their invalid UTF-8 bytes). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text.toWellFormed()).replaceAll(
    "%EF%BF%BD",
    text.isWellFormed() ? "%EF%BF%BD" : "%ED%A0%80",
  );
}

// ---------------------------------------------------------------- MCP

const MCP_TOOLS: Record<string, string> = {
  WriteMemory: "write_memory",
  GetMemory: "get_memory",
  ListMemories: "list_memory",
  UpdateMemory: "update_memory",
  DeleteMemory: "delete_memory",
  SearchMemories: "search_memory",
  ListMemoryRevisions: "memory_history",
  UnsupersedeMemory: "unsupersede_memory",
  EraseMemories: "erase_memories",
};

/** Fields a tool derives itself (update_mask) or takes from elsewhere (the updater's agent). */
const MCP_HIDDEN: Record<string, string[]> = {
  UpdateMemory: ["updateMask", "memory.agentId"],
};

/** Message fields a tool takes whole, as one object argument, rather than flattened. */
const MCP_WHOLE: Record<string, string[]> = {
  EraseMemories: ["filter.mentions"],
};

/** The tool arguments: the request flattened, under the REST names (agent_registry_id, kind, tag). */
function mcpArgumentsOf(call: Call): JsonObject {
  const hidden = new Set(MCP_HIDDEN[call.method.name] ?? []);
  const whole = new Set(MCP_WHOLE[call.method.name] ?? []);
  const args: JsonObject = {};
  const visit = (desc: DescMessage, json: JsonObject, prefix: string) => {
    for (const [name, value] of Object.entries(json)) {
      const field = desc.fields.find((f) => f.jsonName === name || f.name === name);
      if (field === undefined) {
        // Unknown names go through as they are: the tool must refuse them.
        args[name] = value;
        continue;
      }
      if (hidden.has(prefix + field.jsonName)) continue;
      const wellKnown = field.fieldKind === "message" && field.message.file.name.startsWith("google/protobuf/");
      if (field.fieldKind === "message" && !wellKnown && !whole.has(prefix + field.jsonName)) {
        visit(field.message, value as JsonObject, `${prefix}${field.jsonName}.`);
        continue;
      }
      args[getOption(field, rest_alias)[0] ?? field.name] = value;
    }
  };
  visit(call.method.input, call.json, "");
  return args;
}

export interface McpOptions {
  headers?: Record<string, string>;
  chunks?: () => Iterable<Buffer>;
}

/** One JSON-RPC exchange at /mcp; a value that is not a Buffer is sent as JSON. */
export async function mcp(target: Target, message: unknown, options: McpOptions = {}): Promise<Outcome> {
  const exchange = await h1(target.port, {
    method: "POST",
    path: "/mcp",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...auth(target),
      ...options.headers,
    },
    body: options.chunks ?? (Buffer.isBuffer(message) ? message : Buffer.from(JSON.stringify(message))),
  });
  if (exchange.kind === "fault") return noAnswer(exchange.fault);
  const json = parseJson(exchange.body) as
    | {
        error?: { code?: number; message?: string };
        result?: { isError?: boolean; content?: { text?: string }[]; structuredContent?: unknown };
      }
    | undefined;
  if (json?.error !== undefined) {
    const code = jsonRpcCode(json.error.code) ?? (exchange.status >= 400 ? httpCode(exchange.status) : "unknown");
    return { code, httpStatus: exchange.status, message: json.error.message ?? "" };
  }
  // An exchange with nothing to answer (only notifications) is accepted without a body.
  if (json === undefined && exchange.status < 300) return { code: "ok", httpStatus: exchange.status, message: "" };
  if (json?.result === undefined || exchange.status >= 300) {
    return { code: httpCode(exchange.status), httpStatus: exchange.status, message: "" };
  }
  if (json.result.isError !== true) {
    return {
      code: "ok",
      httpStatus: exchange.status,
      message: "",
      payload: json.result.structuredContent ?? json.result,
    };
  }
  const text = (json.result.content ?? []).map((c) => c.text ?? "").join("\n");
  // Tool errors read "invalid arguments: ..." or "<code in words>: <message>".
  const words = /^([a-z ]+):/.exec(text)?.[1] ?? "unknown";
  const code = words === "invalid arguments" ? "invalid_argument" : words.replaceAll(" ", "_");
  return { code, httpStatus: exchange.status, message: text };
}

/** The JSON-RPC 2.0 codes; others (the -32000 range) are judged by their HTTP status. */
function jsonRpcCode(code: number | undefined): string | undefined {
  switch (code) {
    case -32700: // parse error
    case -32600: // invalid request
    case -32602: // invalid params
      return "invalid_argument";
    case -32601:
      return "not_found";
    case -32001:
      return "unauthenticated";
    case -32603:
      return "internal";
    default:
      return undefined;
  }
}

/** A bare HTTP error, as "http_413": its first digit says whose fault it was. */
function httpCode(status: number): string {
  return `http_${status}`;
}

// ---------------------------------------------------------------- helpers

export function noAnswer(fault: string): Outcome {
  return { code: "no_answer", message: fault };
}

export function* frames(body: Buffer): Iterable<{ flags: number; data: Buffer }> {
  let at = 0;
  while (at + 5 <= body.length) {
    const length = body.readUInt32BE(at + 1);
    yield { flags: body.readUInt8(at), data: body.subarray(at + 5, at + 5 + length) };
    at += 5 + length;
  }
}

function parseJson(bytes: Buffer): unknown {
  return safe(() => JSON.parse(bytes.toString("utf8")) as unknown);
}

function base64(text: string): Buffer {
  return Buffer.from(text, "base64");
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
