import type { DescEnum, DescField, DescMessage, DescService, JsonObject } from "@bufbuild/protobuf";
import { restRoutes, type RestRoute } from "../../api/http-rules.js";
import { fieldSchema, messageSchema, type SchemaOptions } from "../../api/json-schema.js";
import { isWellKnown } from "../../api/rest-fields.js";
import type { SeedRoute } from "../../api/seeds/seed-route.js";

export interface OpenApiOptions {
  /** The other memory APIs' routes, documented under the tag "Compatibility". */
  seedRoutes: readonly SeedRoute[];
  title: string;
  version: string;
  description: string;
  /** The proto comment of a descriptor, when there is one (only generators see comments). */
  describe: (desc: DescService | DescMessage | DescField | DescEnum | RestRoute["method"]) => string | undefined;
}

const COMPATIBILITY = "Compatibility";

/** The OpenAPI 3.1 document of the REST gateway: the same routes and JSON dialect it serves. */
export function openApiDocument(services: DescService[], options: OpenApiOptions): JsonObject {
  const schemas: Record<string, JsonObject> = {};
  const schemaOptions: SchemaOptions = {
    messageRef: (desc) => {
      // Well-known types are plain strings or objects in JSON: inlined, they read better.
      if (isWellKnown(desc)) return messageSchema(desc, schemaOptions);
      if (!(desc.typeName in schemas)) {
        schemas[desc.typeName] = {};
        schemas[desc.typeName] = messageSchema(desc, schemaOptions);
      }
      return { $ref: `#/components/schemas/${desc.typeName}` };
    },
    describe: options.describe,
  };

  const paths: Record<string, JsonObject> = {};
  for (const route of restRoutes(services)) {
    const operations = (paths[route.template] ??= {});
    operations[route.verb] = operation(route, schemaOptions, options);
  }
  for (const route of options.seedRoutes) {
    const operations = (paths[route.template] ??= {});
    operations[route.method] = {
      operationId: `${route.api}_${route.template
        .split("/")
        .filter((s) => s !== "" && !s.startsWith("{"))
        .join("_")}`,
      tags: [COMPATIBILITY],
      ...route.operation,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: options.title, version: options.version, description: options.description },
    tags: [
      ...services.map((s) => ({ name: s.name, description: options.describe(s) ?? s.typeName })),
      {
        name: COMPATIBILITY,
        description:
          "Other memory APIs served verbatim over the same services (SharedMemory, Memanto, Penumbra), each with its own body and error shapes.",
      },
    ],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An Engram API key." },
        sessionToken: {
          type: "apiKey",
          in: "header",
          name: "X-Session-Token",
          description: "An Engram API key, as Memanto clients send their session token.",
        },
      },
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      responses: { Error: errorResponse() },
    },
  };
}

function operation(route: RestRoute, schemaOptions: SchemaOptions, options: OpenApiOptions): JsonObject {
  const { method } = route;
  const ref = (desc: DescMessage) => schemaOptions.messageRef(desc);
  const input = method.input;
  const pathNames = new Set(route.pathFields.map((path) => path.map((f) => f.name).join(".")));
  const parameters: JsonObject[] = route.pathFields.map((path) => {
    const leaf = path[path.length - 1] as DescField;
    return {
      name: path.map((f) => f.name).join("."),
      in: "path",
      required: true,
      schema: fieldSchema(leaf, schemaOptions),
    };
  });
  let requestBody: JsonObject | undefined;
  if (route.body === "*") {
    requestBody = jsonBody(messageSchema(input, schemaOptions, new Set([...pathNames])), true);
  } else {
    const bodyField = input.fields.find((f) => f.name === route.body);
    if (bodyField?.fieldKind === "message") requestBody = jsonBody(ref(bodyField.message), true);
    for (const { name, field } of queryParameters(input, new Set([...pathNames, route.body]))) {
      parameters.push({ name, in: "query", required: false, schema: fieldSchema(field, schemaOptions) });
    }
  }

  const output = ref(method.output);
  const responses: JsonObject =
    method.methodKind === "server_streaming"
      ? {
          "200": {
            description:
              "Every result at once as a JSON array, or one per line as they arrive when the request accepts application/x-ndjson.",
            content: {
              "application/json": { schema: { type: "array", items: output } },
              "application/x-ndjson": { schema: output },
            },
          },
        }
      : successResponses(route, output);
  const description = options.describe(method);
  return {
    operationId: `${method.parent.name}_${method.name}`,
    tags: [method.parent.name],
    summary: description?.split(/(?<=\.)\s/)[0] ?? method.name,
    ...(description !== undefined ? { description } : {}),
    parameters,
    ...(requestBody !== undefined ? { requestBody } : {}),
    responses: { ...responses, default: { $ref: "#/components/responses/Error" } },
  };
}

/** Query parameters by the flat names the gateway accepts: nested message fields by their own name. */
function queryParameters(desc: DescMessage, exclude: ReadonlySet<string>): { name: string; field: DescField }[] {
  return desc.fields
    .filter((f) => !exclude.has(f.name))
    .flatMap((field) =>
      field.fieldKind === "message" && !isWellKnown(field.message)
        ? queryParameters(field.message, new Set())
        : [{ name: field.name, field }],
    );
}

function successResponses(route: RestRoute, output: JsonObject): JsonObject {
  const ok = (description: string) => ({ description, content: { "application/json": { schema: output } } });
  const { method } = route;
  if (method.name.startsWith("Create")) return { "201": ok("Created.") };
  if (method.output.fields.some((f) => f.name === "outcome")) {
    return {
      "201": ok("A new memory was created."),
      "200": ok("An existing memory was updated, revived or merged into."),
    };
  }
  return { "200": ok("OK.") };
}

function jsonBody(schema: JsonObject, required: boolean): JsonObject {
  return { required, content: { "application/json": { schema } } };
}

function errorResponse(): JsonObject {
  return {
    description: "The call failed; the HTTP status matches the gRPC code in error.status.",
    content: {
      "application/json": {
        schema: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "status", "message"],
              properties: {
                code: { type: "integer", description: "The HTTP status." },
                status: { type: "string", description: 'The gRPC code name, e.g. "INVALID_ARGUMENT".' },
                message: { type: "string" },
                details: {
                  type: "array",
                  description: "google.rpc.ErrorInfo, BadRequest and RetryInfo, each with its @type.",
                  items: { type: "object", properties: { "@type": { type: "string" } } },
                },
              },
            },
          },
        },
      },
    },
  };
}
