import type http from "node:http";
import type http2 from "node:http2";
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, createContextValues, type Transport } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { v7 as uuidv7 } from "uuid";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import type { Authentication } from "../api/authentication.js";
import { callMethod } from "../api/call-method.js";
import { clientAddressKey } from "../api/client-address.js";
import type { BodyBudget } from "../api/limits.js";
import type { RequestHandler } from "../api/request-handler.js";
import type { Rpc, SeedFailure, SeedRoute } from "../api/seeds/seed-route.js";
import { drainUnreadBody, resetUnreadStream } from "../api/unread-body.js";
import { principalKey } from "../auth/principal.js";
import { codeName, isCancellation, toConnectError } from "../errors/status.js";
import { loggableError } from "../logger.js";
import { readJsonBody } from "./json-body.js";
import { RestError, sendJson } from "./rest/responses.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface SeedGatewayOptions {
  routes: readonly SeedRoute[];
  /** Reaches the same handlers and interceptors as gRPC, Connect and REST (a router transport). */
  transport: Transport;
  authentication: Authentication;
  bodyBudget: BodyBudget;
  logger: Logger;
}

export interface SeedGateway {
  /** Whether a path is one of the seed APIs' routes. */
  serves(path: string): boolean;
  handler: RequestHandler;
}

/**
 * The other memory APIs' routes (src/api/seeds): the caller's key checked before the body is
 * read, the body translated to Engram RPCs called in process as that caller (so auth, rate
 * limits, validation, the write guard and visibility are the ones every protocol gets), and
 * every failure answered in the route's own error shape.
 */
export function seedGateway({
  routes,
  transport,
  authentication,
  bodyBudget,
  logger,
}: SeedGatewayOptions): SeedGateway {
  const routeFor = (path: string) => routes.find((r) => r.pattern.test(path));
  return {
    serves: (path) => routeFor(path) !== undefined,
    handler: (req, res) => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const route = routeFor(path);
      if (route === undefined) throw new Error(`no seed route for ${path}`);
      const requestId = uuidv7();
      const body = bodyBudget.meter(req.iterator({ destroyOnReturn: false }));
      handle(route, path, requestId, req, body.body, res, { transport, authentication })
        .catch(async (err: unknown) => {
          await drainUnreadBody(req);
          fail(res, route, err, requestId, logger);
          resetUnreadStream(req);
        })
        .finally(body.release);
    },
  };
}

async function handle(
  route: SeedRoute,
  path: string,
  requestId: string,
  req: Request,
  body: AsyncIterable<Uint8Array>,
  res: Response,
  { transport, authentication }: Pick<SeedGatewayOptions, "transport" | "authentication">,
): Promise<void> {
  if (req.method?.toLowerCase() !== route.method) {
    const allowed = route.method.toUpperCase();
    throw new RestError(405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here; use ${allowed}`, {
      allow: allowed,
    });
  }
  const clientAddress = req.socket.remoteAddress ?? "";
  const authorization = route.authorization(req.headers);
  const principal = await authentication.principalFor(authorization, clientAddress);
  const json = await readJsonBody(req, body, route.template);
  const params = (route.pattern.exec(path)?.slice(1) ?? []).map(decodeSegment);
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  const context = createContextValues().set(clientAddressKey, clientAddress).set(principalKey, principal);
  const headers = authorization === undefined ? undefined : { authorization };
  const rpc: Rpc = async <I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    input: MessageInitShape<I>,
  ) => {
    const result = await callMethod(transport, method, create(method.input, input), headers, abort.signal, context);
    if (result.stream) throw new Error(`${method.name} is not unary`);
    return result.message as MessageShape<O>;
  };
  const reply = await route.handle({ body: json as JsonValue | undefined, params, principal, requestId, rpc });
  sendJson(res, reply.status, reply.body, reply.headers);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RestError(400, "INVALID_PATH", `"${segment}" is not a valid percent-encoded path segment`);
  }
}

function fail(res: Response, route: SeedRoute, err: unknown, requestId: string, logger: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed || isCancellation(err)) {
    res.destroy();
    return;
  }
  const failure = failureOf(err, requestId, logger);
  const reply = route.failure(failure);
  const retryAfter: Record<string, string> =
    failure.retryAfterSeconds === undefined ? {} : { "retry-after": String(failure.retryAfterSeconds) };
  sendJson(res, reply.status, reply.body, {
    ...retryAfter,
    ...reply.headers,
    ...(err instanceof RestError ? err.headers : {}),
  });
}

function failureOf(err: unknown, requestId: string, logger: Logger): SeedFailure {
  if (err instanceof RestError) {
    const { httpStatus, status: reason, message } = err;
    return { httpStatus, reason, message, violations: [], retryAfterSeconds: undefined, requestId };
  }
  const error = toConnectError(err);
  if (error.code === Code.Internal && error.cause === err) {
    logger.error({ error: loggableError(err) }, "seed API route error");
  }
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  return {
    httpStatus: codeToHttpStatus(error.code),
    reason: error.findDetails(ErrorInfoSchema)[0]?.reason ?? codeName(error.code),
    message: error.rawMessage,
    violations: error
      .findDetails(BadRequestSchema)
      .flatMap((d) => d.fieldViolations.map((v) => ({ field: v.field, description: v.description }))),
    retryAfterSeconds:
      delay === undefined ? undefined : Math.max(1, Math.ceil(Number(delay.seconds) + delay.nanos / 1e9)),
    requestId,
  };
}
