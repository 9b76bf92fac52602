import type { DescMethod, DescService, JsonObject, JsonValue, Message } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { invalidArgument } from "../../errors/domain-error.js";
import { callMethod } from "../../api/call-method.js";
import { HttpError } from "../../api/http/http-error.js";
import { sendJson } from "../../api/http/replies.js";
import { routePipeline, type HttpCall, type HttpRoute, type PipelineDeps } from "../../api/http/route-pipeline.js";
import { streamEvents, streamJson, wantsEventStream, wantsNdjson } from "../../api/http/streams.js";
import { decodeJsonRequest, impliedUpdateMask } from "../../api/json-request.js";
import type { RequestHandler } from "../../api/request-handler.js";
import { restRoutes, type RestRoute } from "../../api/http-rules.js";
import { protoJsonOf, restJsonOf, setParameter } from "../../api/rest-json.js";
import { CONSISTENCY_TOKEN_HEADER, SEARCH_HEADERS } from "../../memory/response-headers.js";
import { restFailure } from "./responses.js";

export interface RestGatewayOptions extends PipelineDeps {
  services: DescService[];
  /** Reaches the same handlers and interceptors as gRPC and Connect (a router transport). */
  transport: Transport;
}

/**
 * The REST surface: every route comes from a google.api.http annotation, on the one HTTP route
 * pipeline, and every call goes through the Connect router, so REST shares auth, validation
 * and error mapping with gRPC.
 */
export function restGateway({ services, transport, ...deps }: RestGatewayOptions): RequestHandler {
  const routes = restRoutes(services).map((rule): HttpRoute => ({
    method: rule.verb.toUpperCase(),
    pattern: rule.pattern,
    template: rule.template,
    variables: rule.pathFields.map((path) => path.map((f) => f.name).join(".")),
    handle: (call) => answer(rule, call, transport),
  }));
  return routePipeline(
    {
      name: "REST",
      routes,
      notFound: (path) => new HttpError(404, "NOT_FOUND", `no REST route for ${path}; see /openapi.json`),
      failure: restFailure,
    },
    deps,
  );
}

/** The request headers a call reads: the caller's key, and the token of a write it must see. */
function forwarded(call: HttpCall): Record<string, string> {
  const headers: Record<string, string> = {};
  if (call.authorization !== undefined) headers.authorization = call.authorization;
  const token = call.req.headers[CONSISTENCY_TOKEN_HEADER];
  if (typeof token === "string") headers[CONSISTENCY_TOKEN_HEADER] = token;
  return headers;
}

async function answer(rule: RestRoute, call: HttpCall, transport: Transport): Promise<void> {
  const input = requestMessage(rule, call, await call.json());
  const { method } = rule;
  const result = await callMethod(transport, method, input, forwarded(call), call.signal, call.contextValues);
  const token = result.header.get(CONSISTENCY_TOKEN_HEADER);
  if (token !== null) call.res.setHeader(CONSISTENCY_TOKEN_HEADER, token);
  if (!result.stream) {
    const body = restJsonOf(method.output, result.message);
    sendJson(call.res, { status: successStatus(method, input, result.message), body });
    return;
  }
  for (const name of SEARCH_HEADERS) {
    const value = result.header.get(name);
    if (value !== null) call.res.setHeader(name, value);
  }
  const toJson = (message: Message) => restJsonOf(method.output, message);
  if (wantsEventStream(call.req)) {
    await streamEvents(call.res, result.messages, toJson);
    return;
  }
  // A stream that never ends (WatchMemories) cannot be answered as one JSON array.
  if (wantsNdjson(call.req) || isUnending(method)) {
    await streamJson(call.res, result.messages, toJson);
    return;
  }
  const results: JsonValue[] = [];
  for await (const message of result.messages) results.push(toJson(message));
  sendJson(call.res, { status: 200, body: results });
}

/** Builds the request message from the body, the path variables and the query string. */
function requestMessage(rule: RestRoute, call: HttpCall, body: JsonValue | undefined): Message {
  const desc = rule.method.input;
  let json: JsonObject = {};
  // No body at all is an empty request; a JSON null is not an object, and is refused as one.
  const given = body === undefined ? {} : body;
  if (rule.body === "*") {
    json = protoJsonOf(desc, given);
  } else if (rule.body !== "") {
    const field = desc.fields.find((f) => f.name === rule.body);
    if (field?.fieldKind !== "message") throw new Error(`${rule.template}: body must name a message field`);
    const fields = protoJsonOf(field.message, given, field.name);
    json[field.name] = fields;
    // PATCH semantics: without an explicit mask, the fields present in the body are the update.
    if (desc.fields.some((f) => f.name === "update_mask") && !call.url.searchParams.has("update_mask")) {
      json.update_mask = impliedUpdateMask(fields);
    }
  } else if (body !== undefined) {
    throw invalidArgument("body", "UNEXPECTED_BODY", `${rule.verb.toUpperCase()} ${rule.template} takes no body`);
  }
  rule.pathFields.forEach((path, i) => {
    setParameter(desc, json, path.map((f) => f.name).join("."), [call.params[i] ?? ""]);
  });
  for (const name of new Set(call.url.searchParams.keys())) {
    setParameter(desc, json, name, call.url.searchParams.getAll(name), rule.body);
  }
  // An EventSource reconnecting resumes where it was: its Last-Event-ID is the last cursor.
  const lastEventId = call.req.headers["last-event-id"];
  if (
    typeof lastEventId === "string" &&
    desc.field.afterCursor !== undefined &&
    !call.url.searchParams.has("after_cursor")
  ) {
    setParameter(desc, json, "after_cursor", [lastEventId]);
  }
  return decodeJsonRequest(desc, json, ({ field, message }) => {
    throw invalidArgument(field ?? "request", "INVALID_VALUE", message);
  });
}

/** Streams that go on until the client leaves (the Watch methods), which only stream bodies can carry. */
function isUnending(method: DescMethod): boolean {
  return method.methodKind === "server_streaming" && method.name.startsWith("Watch");
}

/** 201 when the call made something new; otherwise 200. */
function successStatus(method: DescMethod, input: Message, message: Message): number {
  // A dry run (validate_only) reports what would happen but creates nothing.
  if ((input as { validateOnly?: unknown }).validateOnly === true) return 200;
  if (method.name.startsWith("Create")) return 201;
  const outcome = (message as { outcome?: unknown }).outcome;
  return outcome === WriteOutcome.CREATED ? 201 : 200;
}
