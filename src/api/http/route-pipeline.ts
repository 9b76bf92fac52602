import type { IncomingHttpHeaders } from "node:http";
import type { JsonValue } from "@bufbuild/protobuf";
import { Code, createContextValues, type ConnectError, type ContextValues } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { v7 as uuidv7 } from "uuid";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { principalKey, type Principal } from "../../auth/principal.js";
import { invalidArgument } from "../../errors/domain-error.js";
import { codeName, isCancellation, toConnectError } from "../../errors/status.js";
import { loggableError } from "../../logger.js";
import type { Authentication } from "../authentication.js";
import { clientAddressKey } from "../client-address.js";
import type { BodyBudget } from "../limits.js";
import type { HttpRequest, HttpResponse, RequestHandler } from "../request-handler.js";
import { drainUnreadBody, resetUnreadStream } from "../unread-body.js";
import { BodyTooLarge, IncompleteBody, parseJsonBody, readBody } from "./body.js";
import { HttpError } from "./http-error.js";
import { retryAfterOf, sendJson, type Reply } from "./replies.js";

/** One request to a route, authenticated, with what its handler needs. */
export interface HttpCall {
  req: HttpRequest;
  res: HttpResponse;
  url: URL;
  /** The path's variables, in order, percent-decoded. */
  params: string[];
  principal: Principal;
  /** The credential as an Authorization header value, for the RPCs made as the caller. */
  authorization: string | undefined;
  /** The client's address and the principal, for calls made in process. */
  contextValues: ContextValues;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** A fresh id for this request, for APIs whose answers carry one. */
  requestId: string;
  /** The body, read once, within the request limits. */
  body(): Promise<Buffer>;
  /** The body as JSON (application/json, UTF-8); undefined when there is none. */
  json(): Promise<JsonValue | undefined>;
}

export interface HttpRoute {
  /** GET, POST, ... */
  method: string;
  /** Matched against the whole path; its groups are the path's variables. */
  pattern: RegExp;
  /** The path as the route's API writes it, for messages. */
  template: string;
  /** The names of the path's variables, for errors about them (default: path). */
  variables?: readonly string[];
  /** The Authorization header value for the credential this route's clients send (default: Authorization). */
  credential?(headers: IncomingHttpHeaders): string | undefined;
  /** Answers the call, on `call.res`. */
  handle(call: HttpCall): Promise<void>;
}

/** A failure, whatever threw it, in the terms every family's error shape is made of. */
export interface Failure {
  httpStatus: number;
  /** UPPER_SNAKE: the ErrorInfo reason, or the HttpError's. */
  reason: string;
  message: string;
  /** The error as a Connect error, with its details, unless the exchange itself failed (HttpError). */
  connectError: ConnectError | undefined;
  /** What was thrown. */
  thrown: unknown;
  requestId: string;
}

/** Routes answered alike: REST's, one seed API's, MCP's. */
export interface RouteFamily {
  /** In log lines: "REST", "seed API", "MCP". */
  name: string;
  routes: readonly HttpRoute[];
  /** The answer for a path none of its routes matches. */
  notFound(path: string): HttpError;
  /** A failure in this family's error shape; `route` is the one its path matched, if any. */
  failure(failure: Failure, route: HttpRoute | undefined): Reply;
}

export interface PipelineDeps {
  authentication: Authentication;
  /** Shared by every way in: request-body bytes all calls in flight may hold. */
  bodyBudget: BodyBudget;
  logger: Logger;
}

/**
 * The one HTTP route pipeline REST, the seed APIs and MCP declare their routes on: the body
 * metered against the shared budget, the route and method matched (404, 405 with Allow), the
 * key checked before a byte of the body is read, the body read within the limits, the call
 * aborted when the client leaves, and every failure answered in the family's own shape with
 * Retry-After when it says when to retry, the unread body drained or the stream reset.
 */
export function routePipeline(family: RouteFamily, deps: PipelineDeps): RequestHandler {
  return (req, res) => {
    const requestId = uuidv7();
    // A body refused part way must not take the connection with it: the refusal is still to be sent.
    const metered = deps.bodyBudget.meter(req.iterator({ destroyOnReturn: false }));
    let route: HttpRoute | undefined;
    const answer = async () => {
      const url = new URL(req.url ?? "/", "http://engram");
      const matching = family.routes.filter((r) => r.pattern.test(url.pathname));
      route = matching.find((r) => r.method === req.method) ?? matching[0];
      if (route === undefined) throw family.notFound(url.pathname);
      if (route.method !== req.method) {
        const allowed = [...new Set(matching.map((r) => r.method))].join(", ");
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here; use ${allowed}`, {
          allow: allowed,
        });
      }
      await route.handle(await callOf(route, url, req, res, requestId, metered.body, deps.authentication));
    };
    answer()
      .catch(async (err: unknown) => {
        await drainUnreadBody(req);
        answerFailure(family, route, res, err, requestId, deps.logger);
        resetUnreadStream(req);
      })
      .finally(metered.release);
  };
}

async function callOf(
  route: HttpRoute,
  url: URL,
  req: HttpRequest,
  res: HttpResponse,
  requestId: string,
  body: AsyncIterable<Uint8Array>,
  authentication: Authentication,
): Promise<HttpCall> {
  const params = (route.pattern.exec(url.pathname)?.slice(1) ?? []).map((segment, i) =>
    decodeSegment(segment, route.variables?.[i] ?? "path"),
  );
  const clientAddress = req.socket.remoteAddress ?? "";
  const authorization = route.credential ? route.credential(req.headers) : req.headers.authorization;
  // Before the body: a caller without a valid key never costs a read or a parse.
  const principal = await authentication.principalFor(authorization, clientAddress);
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  let bytes: Promise<Buffer> | undefined;
  const readOnce = () => (bytes ??= readBody(req.headers["content-length"], body));
  return {
    req,
    res,
    url,
    params,
    principal,
    authorization,
    contextValues: createContextValues().set(clientAddressKey, clientAddress).set(principalKey, principal),
    signal: abort.signal,
    requestId,
    body: readOnce,
    json: async () => parseJsonBody(await readOnce(), req.headers["content-type"], route.template),
  };
}

function decodeSegment(segment: string, name: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidArgument(name, "INVALID_PATH", `"${segment}" is not a valid percent-encoded path segment`);
  }
}

function answerFailure(
  family: RouteFamily,
  route: HttpRoute | undefined,
  res: HttpResponse,
  err: unknown,
  requestId: string,
  logger: Logger,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!(err instanceof HttpError) && (res.destroyed || isCancellation(err))) {
    // The client went away: routine, and there is no one left to answer.
    logger.debug(`${family.name} call cancelled by the client`);
    res.destroy();
    return;
  }
  const failure = failureOf(err, requestId);
  if (failure.connectError?.code === Code.Internal && failure.connectError.cause === err) {
    logger.error({ error: loggableError(err) }, `${family.name} request failed`);
  }
  const reply = family.failure(failure, route);
  const headers = {
    ...(failure.connectError === undefined ? {} : retryAfterOf(failure.connectError)),
    ...(failure.httpStatus === 401 ? { "www-authenticate": 'Bearer realm="engram"' } : {}),
    ...(err instanceof HttpError ? err.headers : {}),
    ...reply.headers,
  };
  sendJson(res, { ...reply, headers });
}

function failureOf(err: unknown, requestId: string): Failure {
  const exchange =
    err instanceof IncompleteBody
      ? new HttpError(400, "INCOMPLETE_BODY", err.message)
      : err instanceof BodyTooLarge
        ? new HttpError(413, "PAYLOAD_TOO_LARGE", err.message)
        : err;
  if (exchange instanceof HttpError) {
    const { httpStatus, reason, message } = exchange;
    return { httpStatus, reason, message, connectError: undefined, thrown: err, requestId };
  }
  const connectError = toConnectError(err);
  return {
    httpStatus: codeToHttpStatus(connectError.code),
    reason: connectError.findDetails(ErrorInfoSchema)[0]?.reason ?? codeName(connectError.code),
    message: connectError.rawMessage,
    connectError,
    thrown: err,
    requestId,
  };
}
