import type http from "node:http";
import type http2 from "node:http2";
import {
  type DescMessage,
  type DescMethod,
  type DescService,
  type JsonObject,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import { createContextValues, type Transport } from "@connectrpc/connect";
import type { Logger } from "pino";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { invalidArgument } from "../../errors/domain-error.js";
import { principalKey } from "../../auth/principal.js";
import type { Authentication } from "../../api/authentication.js";
import { callMethod } from "../../api/call-method.js";
import { SEARCH_MODE_HEADER } from "../../memory/memory-search.js";
import { clientAddressKey } from "../../api/client-address.js";
import { decodeJsonRequest, impliedUpdateMask } from "../../api/json-request.js";
import type { BodyBudget } from "../../api/limits.js";
import { drainUnreadBody, resetUnreadStream } from "../../api/unread-body.js";
import type { RequestHandler } from "../../api/request-handler.js";
import { restRoutes, type RestRoute } from "../../api/http-rules.js";
import { protoJsonOf, restJsonOf, setParameter } from "../../api/rest-json.js";
import { readJsonBody } from "../json-body.js";
import { errorBodyOf, RestError, sendError, sendJson } from "./responses.js";

const NDJSON = "application/x-ndjson";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface RestGatewayOptions {
  services: DescService[];
  /** Reaches the same handlers and interceptors as gRPC and Connect (a router transport). */
  transport: Transport;
  /** Checks the key before the body is read; the call then runs as that principal. */
  authentication: Authentication;
  /** Shared with the Connect adapter: request-body bytes all calls in flight may hold. */
  bodyBudget: BodyBudget;
  logger: Logger;
}

/**
 * The REST surface: every route comes from a google.api.http annotation, and every call goes
 * through the Connect router, so REST shares auth, validation and error mapping with gRPC.
 */
export function restGateway({
  services,
  transport,
  authentication,
  bodyBudget,
  logger,
}: RestGatewayOptions): RequestHandler {
  const routes = restRoutes(services);
  return (req, res) => {
    // A body refused part way must not take the connection with it: the refusal is still to be sent.
    const body = bodyBudget.meter(req.iterator({ destroyOnReturn: false }));
    handle(routes, transport, authentication, req, body.body, res)
      .catch(async (err: unknown) => {
        await drainUnreadBody(req);
        sendError(res, err, logger);
        resetUnreadStream(req);
      })
      .finally(body.release);
  };
}

async function handle(
  routes: RestRoute[],
  transport: Transport,
  authentication: Authentication,
  req: Request,
  body: AsyncIterable<Uint8Array>,
  res: Response,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://engram");
  const matching = routes.filter((r) => r.pattern.test(url.pathname));
  if (matching.length === 0) {
    throw new RestError(404, "NOT_FOUND", `no REST route for ${url.pathname}; see /openapi.json`);
  }
  const route = matching.find((r) => r.verb === req.method?.toLowerCase());
  if (route === undefined) {
    const allowed = [...new Set(matching.map((r) => r.verb.toUpperCase()))].join(", ");
    throw new RestError(405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here; use ${allowed}`, {
      allow: allowed,
    });
  }
  const clientAddress = req.socket.remoteAddress ?? "";
  // Before the body: a caller without a valid key never costs a read or a parse.
  const principal = await authentication.principalFor(req.headers.authorization, clientAddress);
  const input = requestMessage(route, url, await readJsonBody(req, body, route.template));
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  const headers = req.headers.authorization === undefined ? undefined : { authorization: req.headers.authorization };
  const { method } = route;

  const context = createContextValues().set(clientAddressKey, clientAddress).set(principalKey, principal);
  const result = await callMethod(transport, method, input, headers, abort.signal, context);
  if (!result.stream) {
    sendJson(res, successStatus(method, input, result.message), restJsonOf(method.output, result.message));
    return;
  }
  const mode = result.header.get(SEARCH_MODE_HEADER);
  if (mode !== null) res.setHeader(SEARCH_MODE_HEADER, mode);
  if (accepts(req, NDJSON)) {
    await streamNdjson(res, method.output, result.messages);
    return;
  }
  const results: JsonValue[] = [];
  for await (const message of result.messages) results.push(restJsonOf(method.output, message));
  sendJson(res, 200, results);
}

/** Builds the request message from the body, the path variables and the query string. */
function requestMessage(route: RestRoute, url: URL, body: JsonValue | undefined): Message {
  const desc = route.method.input;
  let json: JsonObject = {};
  if (route.body === "*") {
    json = protoJsonOf(desc, body ?? {});
  } else if (route.body !== "") {
    const field = desc.fields.find((f) => f.name === route.body);
    if (field?.fieldKind !== "message") throw new Error(`${route.template}: body must name a message field`);
    const fields = protoJsonOf(field.message, body ?? {}, field.name);
    json[field.name] = fields;
    // PATCH semantics: without an explicit mask, the fields present in the body are the update.
    if (desc.fields.some((f) => f.name === "update_mask") && !url.searchParams.has("update_mask")) {
      json.update_mask = impliedUpdateMask(fields);
    }
  } else if (body !== undefined) {
    throw invalidArgument("body", "UNEXPECTED_BODY", `${route.verb.toUpperCase()} ${route.template} takes no body`);
  }

  const variables = route.pattern.exec(url.pathname)?.slice(1) ?? [];
  route.pathFields.forEach((path, i) => {
    const name = path.map((f) => f.name).join(".");
    setParameter(desc, json, name, [decodePathSegment(name, variables[i] ?? "")]);
  });
  for (const name of new Set(url.searchParams.keys())) {
    setParameter(desc, json, name, url.searchParams.getAll(name), route.body);
  }
  return decodeJsonRequest(desc, json, ({ field, message }) => {
    throw invalidArgument(field ?? "request", "INVALID_VALUE", message);
  });
}

function decodePathSegment(name: string, segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidArgument(name, "INVALID_PATH", `"${segment}" is not a valid percent-encoded path segment`);
  }
}

/** Newline-delimited JSON, one result per line as it arrives; a failure after the first line ends the stream with an error line. */
async function streamNdjson(res: Response, output: DescMessage, messages: AsyncIterable<Message>): Promise<void> {
  let started = false;
  try {
    for await (const message of messages) {
      if (!started) {
        (res as http.ServerResponse).writeHead(200, { "content-type": NDJSON });
        started = true;
      }
      (res as http.ServerResponse).write(JSON.stringify(restJsonOf(output, message)) + "\n");
    }
  } catch (err) {
    // Before the first line the client still gets a proper HTTP error status.
    if (!started) throw err;
    res.end(JSON.stringify({ error: errorBodyOf(err) }) + "\n");
    return;
  }
  if (!started) (res as http.ServerResponse).writeHead(200, { "content-type": NDJSON });
  res.end();
}

/** 201 when the call made something new; otherwise 200. */
function successStatus(method: DescMethod, input: Message, message: Message): number {
  // A dry run (validate_only) reports what would happen but creates nothing.
  if ((input as { validateOnly?: unknown }).validateOnly === true) return 200;
  if (method.name.startsWith("Create")) return 201;
  const outcome = (message as { outcome?: unknown }).outcome;
  return outcome === WriteOutcome.CREATED ? 201 : 200;
}

function accepts(req: Request, type: string): boolean {
  return (req.headers.accept ?? "").split(",").some((part) => part.split(";")[0]?.trim().toLowerCase() === type);
}
