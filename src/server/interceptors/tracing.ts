import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { principalFromValues } from "../../auth/principal.js";
import { ATTR } from "../../telemetry/attributes.js";
import { memoryOperation } from "../../telemetry/memory-operations.js";
import { currentTransport, isTracing, markFailed, openSpan, SpanKind } from "../../telemetry/spans.js";
import { settledOnFirstMessage } from "./first-message.js";

/** Reached in process from another entrance, whose own request is the call from outside. */
const IN_PROCESS = new Set(["rest", "mcp", "seed"]);
/** The codes that are the server's failure rather than the caller's, as the RPC conventions list them. */
const SERVER_FAULTS = new Set([
  "UNKNOWN",
  "DEADLINE_EXCEEDED",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
]);

/**
 * A span per call, named by its method (`engram.v1.MemoryService/SearchMemories`), a child of the
 * caller's trace context (src/server/http.ts), with the GenAI memory operation where one applies.
 * A stream's span ends when its first message is ready (or the stream fails or ends before
 * one), as the RPC metrics do, and the handler's work up to then is inside it.
 */
export function tracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (!isTracing()) return next(req);
    const method = `${req.service.typeName}/${req.method.name}`;
    const transport = currentTransport() ?? "in_process";
    const attributes = {
      [ATTR.rpcSystem]: transport.startsWith("grpc") ? "grpc" : "connectrpc",
      [ATTR.rpcMethod]: method,
      [ATTR.transport]: transport,
      ...memoryOperation(req.method.name, req.message),
    };
    const workspace = principalOf(req.contextValues)?.workspaceId;
    if (workspace !== undefined) Object.assign(attributes, { [ATTR.memoryStore]: workspace });
    const kind = IN_PROCESS.has(transport) ? SpanKind.INTERNAL : SpanKind.SERVER;
    const open = openSpan(method, { kind, attributes });
    if (open === null) return next(req);
    const close = (err: unknown) => {
      const status =
        err === undefined ? "OK" : statusName(err instanceof ConnectError ? Code[err.code] : Code[Code.Internal]);
      open.span.setAttribute(ATTR.rpcStatus, status);
      if (SERVER_FAULTS.has(status)) markFailed(open.span, status);
      open.span.end();
    };
    try {
      const res = await open.within(() => next(req));
      if (res.stream) return settledOnFirstMessage(res, close, open.within);
      close(undefined);
      return res;
    } catch (err) {
      close(err);
      throw err;
    }
  };
}

function principalOf(values: Parameters<typeof principalFromValues>[0]) {
  try {
    return principalFromValues(values);
  } catch {
    // Public methods (health) have no principal.
    return null;
  }
}

/** gRPC's spelling of a status (NOT_FOUND), which the RPC conventions use for every system. */
function statusName(code: string | undefined): string {
  return (code ?? "Unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
