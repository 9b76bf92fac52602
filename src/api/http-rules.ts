import {
  getOption,
  hasOption,
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescService,
} from "@bufbuild/protobuf";
import { http } from "../../gen/ts/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/ts/google/api/http_pb.js";

export type HttpVerb = "get" | "put" | "post" | "delete" | "patch";

/** One REST binding of an RPC, read from its google.api.http annotation. */
export interface RestRoute {
  method: DescMethod;
  verb: HttpVerb;
  /** The path template as written in the proto, e.g. /v1/memory/{id}:undelete. */
  template: string;
  /** The request fields bound to path variables, in template order. */
  pathFields: DescField[][];
  /** "" (no body), "*" (the whole request) or the request field the body fills. */
  body: string;
  /** Matches a request path; the groups are the path variables, still percent-encoded. */
  pattern: RegExp;
}

/** Every REST route of the given services, literal paths before templated ones. */
export function restRoutes(services: DescService[]): RestRoute[] {
  const routes = services.flatMap((service) =>
    service.methods.flatMap((method) => {
      if (!hasOption(method, http)) return [];
      const rule = getOption(method, http);
      return [rule, ...rule.additionalBindings].map((binding) => routeOf(method, binding));
    }),
  );
  const variables = (route: RestRoute) => route.pathFields.length;
  return routes.sort((a, b) => variables(a) - variables(b));
}

function routeOf(method: DescMethod, rule: HttpRule): RestRoute {
  const { case: verb, value } = rule.pattern;
  if (verb === undefined || verb === "custom") {
    throw new Error(`${method.parent.typeName}.${method.name}: unsupported google.api.http pattern`);
  }
  if (rule.body !== "" && rule.body !== "*") fieldPath(method.input, rule.body, method);
  const pathFields: DescField[][] = [];
  // Only plain {field.path} variables, each matching one path segment; the syntax for
  // multi-segment variables is refused here rather than served wrongly.
  const pattern = value.replace(/\{([^}]*)\}|[^{]+/g, (part: string, variable: string | undefined) => {
    if (variable === undefined) return escapeRegExp(part);
    if (variable.includes("=")) {
      throw new Error(`${method.name}: path variable {${variable}} uses an unsupported pattern`);
    }
    pathFields.push(fieldPath(method.input, variable, method));
    // One path segment, short of a custom verb (":undelete").
    return "([^/:]+)";
  });
  return { method, verb, template: value, pathFields, body: rule.body, pattern: new RegExp(`^${pattern}$`) };
}

function fieldPath(message: DescMessage, path: string, method: DescMethod): DescField[] {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path.split(".")) {
    const field: DescField | undefined = current?.fields.find((f) => f.name === name);
    if (field === undefined) throw new Error(`${method.name}: google.api.http names unknown field ${path}`);
    fields.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return fields;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
