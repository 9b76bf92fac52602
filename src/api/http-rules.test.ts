/**
 * REST routes from google.api.http annotations: the gateway serves exactly what the proto
 * declares, matches one path segment per variable (never a custom verb or a slash), tries
 * literal paths first, and refuses at startup any annotation it would otherwise serve wrongly.
 */
import { create, createFileRegistry, setExtension, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/ts/engram/v1/api_key_service_pb.js";
import { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { http } from "../../gen/ts/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../gen/ts/google/api/http_pb.js";
import { restRoutes, type RestRoute } from "./http-rules.js";

type Rule = MessageInitShape<typeof HttpRuleSchema>;

/** A service test.S over test.Req { string id; Inner inner } with Inner { string id }, one method per rule. */
function serviceWith(rules: Record<string, Rule | undefined>): DescService {
  const { OPTIONAL } = FieldDescriptorProto_Label;
  const { MESSAGE, STRING } = FieldDescriptorProto_Type;
  const id = { name: "id", jsonName: "id", number: 1, label: OPTIONAL, type: STRING };
  const inner = {
    name: "inner",
    jsonName: "inner",
    number: 2,
    label: OPTIONAL,
    type: MESSAGE,
    typeName: ".test.Inner",
  };
  const method = ([name, rule]: [string, Rule | undefined]) => {
    const options = create(MethodOptionsSchema);
    if (rule !== undefined) setExtension(options, http, create(HttpRuleSchema, rule));
    return { name, inputType: ".test.Req", outputType: ".test.Req", options };
  };
  const file = create(FileDescriptorProtoSchema, {
    name: "test/s.proto",
    package: "test",
    syntax: "proto3",
    messageType: [
      { name: "Inner", field: [id] },
      { name: "Req", field: [id, inner] },
    ],
    service: [{ name: "S", method: Object.entries(rules).map(method) }],
  });
  const service = createFileRegistry(file, () => undefined).getService("test.S");
  if (service === undefined) throw new Error("test.S did not register");
  return service;
}

const summary = (route: RestRoute) => `${route.verb.toUpperCase()} ${route.template}`;

function routeOf(name: string): RestRoute {
  const route = restRoutes([MemoryService]).find((r) => r.method.name === name);
  if (route === undefined) throw new Error(`no route for ${name}`);
  return route;
}

describe("restRoutes", () => {
  it("lists every annotated binding, literal paths of all services before templated ones", () => {
    expect(restRoutes([MemoryService, ApiKeyService]).map(summary)).toEqual([
      "POST /v1/memory",
      "POST /v1/memory:batch",
      "GET /v1/memory",
      "POST /v1/memory/search",
      "GET /v1/memory:watch",
      "GET /v1/memory:stats",
      "POST /v1/memory:export",
      "POST /v1/memory:import",
      "POST /v1/memory:erase",
      "GET /v1/erasure-receipts",
      "POST /v1/api-keys",
      "GET /v1/api-keys",
      "GET /v1/memory/{id}",
      "PATCH /v1/memory/{id}",
      "DELETE /v1/memory/{id}",
      "POST /v1/memory/{id}:undelete",
      "GET /v1/memory/{id}/revisions",
      "POST /v1/memory/{id}:unsupersede",
      "GET /v1/erasure-receipts/{id}",
      "POST /v1/api-keys/{id}:revoke",
    ]);
  });

  it("records the body and the request fields bound to path variables", () => {
    const shape = (r: RestRoute) => [r.body, r.pathFields.map((path) => path.map((f) => f.name).join("."))];
    expect(shape(routeOf("UpdateMemory"))).toEqual(["memory", ["id"]]);
    expect(shape(routeOf("GetMemory"))).toEqual(["", ["id"]]);
    expect(shape(routeOf("UndeleteMemory"))).toEqual(["*", ["id"]]);
    expect(shape(routeOf("ListMemories"))).toEqual(["", []]);
  });

  it("captures one still percent-encoded path segment per variable", () => {
    const { pattern } = routeOf("GetMemory");
    expect(pattern.exec("/v1/memory/0190-ab")?.slice(1)).toEqual(["0190-ab"]);
    expect(pattern.exec("/v1/memory/a%2Fb")?.slice(1)).toEqual(["a%2Fb"]);
    for (const path of ["/v1/memory/", "/v1/memory/a/b", "/v1/memory/a:undelete", "/api/v1/memory/a", "/v1/memory"]) {
      expect(pattern.test(path)).toBe(false);
    }
  });

  it("matches a custom verb only where the template has it", () => {
    const { pattern } = routeOf("UndeleteMemory");
    expect(pattern.exec("/v1/memory/m1:undelete")?.slice(1)).toEqual(["m1"]);
    expect(["/v1/memory/m1", "/v1/memory/m1:undeleted", "/v1/memory/:undelete"].map((p) => pattern.test(p))).toEqual([
      false,
      false,
      false,
    ]);
    expect(routeOf("BatchWriteMemories").pattern.test("/v1/memory:batch")).toBe(true);
    expect(routeOf("GetMemory").pattern.test("/v1/memory:batch")).toBe(false);
  });

  it("treats regular-expression characters in a template literally", () => {
    const [route] = restRoutes([serviceWith({ Dots: { pattern: { case: "get", value: "/v1/a.b+/{id}" } } })]);
    expect(route?.pattern.test("/v1/a.b+/x")).toBe(true);
    expect(route?.pattern.test("/v1/aXbb/x")).toBe(false);
  });

  it("adds additional bindings, follows nested field paths and skips methods without a rule", () => {
    const service = serviceWith({
      Plain: undefined,
      Both: {
        pattern: { case: "put", value: "/v1/things/{inner.id}" },
        body: "inner",
        additionalBindings: [{ pattern: { case: "post", value: "/v1/things" }, body: "*" }],
      },
    });
    const routes = restRoutes([service]);
    expect(routes.map((r) => `${summary(r)} ${r.method.name}`)).toEqual([
      "POST /v1/things Both",
      "PUT /v1/things/{inner.id} Both",
    ]);
    expect(routes[1]?.pathFields.map((path) => path.map((f) => f.name))).toEqual([["inner", "id"]]);
  });

  it("refuses custom patterns, multi-segment variables and unknown field names", () => {
    const routes = (rule: Rule) => () => restRoutes([serviceWith({ M: rule })]);
    expect(routes({ pattern: { case: "custom", value: { kind: "HEAD", path: "/v1/x" } } })).toThrow(
      "test.S.M: unsupported google.api.http pattern",
    );
    expect(routes({ pattern: { case: "get", value: "/v1/{id=things/*}" } })).toThrow(
      "M: path variable {id=things/*} uses an unsupported pattern",
    );
    expect(routes({ pattern: { case: "get", value: "/v1/{name}" } })).toThrow(
      "M: google.api.http names unknown field name",
    );
    expect(routes({ pattern: { case: "get", value: "/v1/{id.x}" } })).toThrow("names unknown field id.x");
    expect(routes({ pattern: { case: "post", value: "/v1/x" }, body: "outer" })).toThrow("names unknown field outer");
  });
});
