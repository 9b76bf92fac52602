/**
 * /openapi.json: the committed document generated from the protos, served as is; it
 * validates as OpenAPI 3 and lists every route the REST gateway serves, with the limits the
 * server enforces.
 */
import { readFile } from "node:fs/promises";
import { compileErrors, validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restRoutes } from "../../../src/api/http-rules.js";
import { SEED_ROUTES } from "../../../src/api/seeds/seed-routes.js";
import { API_SERVICES } from "../../../src/server/routes.js";
import { startTestServer, type TestServer } from "../../support/server.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let server: TestServer;
let document: Json;

beforeAll(async () => {
  server = await startTestServer();
  const res = await fetch(`${server.baseUrl}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  document = (await res.json()) as Json;
});
afterAll(async () => {
  await server?.close();
});

describe("/openapi.json", () => {
  it("is served without an API key and is the committed generated document", async () => {
    const committed = await readFile(new URL("../../../gen/openapi/engram.openapi.json", import.meta.url), "utf8");
    expect(document).toEqual(JSON.parse(committed));
  });

  it("validates as an OpenAPI 3 document", async () => {
    expect(document.openapi).toMatch(/^3\./);
    // validate() resolves $refs in place, so it gets a copy.
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    // The validator does reject a broken document (a parameter in no valid location).
    const broken = structuredClone(document);
    broken.paths["/v1/memory"].get.parameters[0].in = "body";
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it("lists every REST route of the gateway and of the other seed APIs, with its verb, and nothing else", () => {
    const served = [
      ...restRoutes(API_SERVICES).map((r) => `${r.verb.toUpperCase()} ${r.template}`),
      ...SEED_ROUTES.map((r) => `${r.method.toUpperCase()} ${r.template}`),
    ];
    const documented = Object.entries(document.paths as Json).flatMap(([path, operations]) =>
      Object.keys(operations as Json).map((verb) => `${verb.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(served.sort());
    // The TrustPager paths, which clients of that API call, are among them.
    for (const route of [
      "GET /v1/memory",
      "GET /v1/memory/{id}",
      "POST /v1/memory",
      "PATCH /v1/memory/{id}",
      "DELETE /v1/memory/{id}",
      "POST /v1/memory/search",
      "POST /v1/memory:batch",
      "POST /agent/memory/write",
      "POST /api/v2/agents/{agent_id}/remember",
      "POST /v1/memories",
      "POST /v1/stagedWrites",
      "POST /v1/stagedWrites/{id}:apply",
    ]) {
      expect(documented).toContain(route);
    }
  });

  it("documents the REST dialect: the seed's names, status codes, NDJSON search and JSON errors", () => {
    const write = document.paths["/v1/memory"].post;
    expect(Object.keys(write.responses).sort()).toEqual(["200", "201", "default"]);
    expect(write.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/engram.v1.Memory");

    const list = document.paths["/v1/memory"].get;
    const params = (list.parameters as Json[]).map((p) => p.name);
    for (const name of ["subject_type", "subject_id", "kinds", "tags", "linked_entity_type", "linked_entity_id"]) {
      expect(params).toContain(name);
    }
    const kinds = (list.parameters as Json[]).find((p) => p.name === "kinds")!;
    expect(kinds.schema.description).toContain('"kind"');

    const search = document.paths["/v1/memory/search"].post.responses["200"].content;
    expect(Object.keys(search).sort()).toEqual(["application/json", "application/x-ndjson"]);
    expect(document.components.responses.Error.content["application/json"].schema.required).toEqual(["error"]);
  });

  it("states the limits the server enforces", () => {
    const memory = document.components.schemas["engram.v1.Memory"];
    expect(memory.properties.content.maxLength).toBe(50000);
    expect(memory.properties.tags.maxItems).toBe(64);
    expect(memory.properties.tags.items).toMatchObject({ type: "string", minLength: 1, maxLength: 128 });
    expect(memory.properties.confidence).toMatchObject({ type: "number", minimum: 0, maximum: 1 });
    expect(memory.properties.agent_id.description).toContain('"agent_registry_id"');
    expect(memory.properties.expire_time).toMatchObject({ format: "date-time" });
    expect(memory.properties.visibility.enum).toEqual(["unspecified", "private", "shared"]);
    const search = document.paths["/v1/memory/search"].post.requestBody.content["application/json"].schema;
    expect(search.required).toEqual(["query"]);
    expect(search.properties.top_k).toMatchObject({ minimum: 0, maximum: 100 });
  });
});
