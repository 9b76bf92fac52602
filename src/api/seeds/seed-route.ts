import type {
  DescMethodUnary,
  DescMessage,
  JsonObject,
  JsonValue,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { Principal } from "../../auth/principal.js";

/** Calls one of Engram's own RPCs as the caller, through the same interceptors as every protocol. */
export type Rpc = <I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  input: MessageInitShape<I>,
) => Promise<MessageShape<O>>;

export interface SeedCall {
  /** The parsed JSON body (undefined when there was none). */
  body: JsonValue | undefined;
  /** The path's variables, in order, percent-decoded. */
  params: string[];
  principal: Principal;
  /** A fresh id for this request, for APIs whose answers carry one. */
  requestId: string;
  rpc: Rpc;
}

export interface SeedReply {
  status: number;
  body: JsonValue;
  headers?: Record<string, string>;
}

/** An Engram error in the terms every seed API's error shape is made of. */
export interface SeedFailure {
  httpStatus: number;
  /** UPPER_SNAKE, from google.rpc.ErrorInfo (e.g. CONTENT_TOO_LONG, AGENT_MISMATCH). */
  reason: string;
  message: string;
  violations: { field: string; description: string }[];
  retryAfterSeconds: number | undefined;
  requestId: string;
}

/**
 * One route of another memory API that Engram serves verbatim: its path, how its clients send
 * their key, and its body and errors translated to and from Engram's own RPCs (never a second
 * implementation of a behaviour).
 */
export interface SeedRoute {
  /** The API it comes from, e.g. "SharedMemory". */
  api: string;
  method: "post";
  /** The path as OpenAPI writes it, e.g. /api/v2/agents/{agent_id}/remember. */
  template: string;
  pattern: RegExp;
  /** The Authorization header value for the credential this API's clients send. */
  authorization(headers: Record<string, string | string[] | undefined>): string | undefined;
  handle(call: SeedCall): Promise<SeedReply>;
  /** This API's own error shape and status for a failure (the gateway adds Retry-After). */
  failure(failure: SeedFailure): SeedReply;
  /** The OpenAPI operation object: summary, description, request body and responses. */
  operation: JsonObject;
}

/** One header's value (the first, when a client sent it twice). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
