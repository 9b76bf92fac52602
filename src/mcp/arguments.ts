import { getOption, type DescField, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { rest_alias } from "../../gen/ts/engram/v1/rest_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import { fieldSchema, isRequired, messageSchema, type SchemaOptions } from "../api/json-schema.js";
import { isWellKnown } from "../api/rest-fields.js";
import { protoJsonOf } from "../api/rest-json.js";
import type { MemoryTool } from "./tools.js";

/*
 * A tool's arguments are its request message flattened, in the REST dialect: the fields of
 * nested messages (the memory of a write, the filter of a list) sit beside the request's
 * own, under the seed's names (agent_registry_id, kind, tag, expires_at).
 */

export interface ToolArguments {
  /** The JSON Schema the model sees, with every limit the server enforces. */
  schema: JsonObject;
  /** Each argument's field in the request message, as a dotted proto path. */
  paths: Map<string, string>;
}

const inline: SchemaOptions = { messageRef: (desc) => messageSchema(desc, inline) };

export function toolArguments(tool: MemoryTool): ToolArguments {
  const hidden = new Set(tool.hidden);
  const whole = new Set(tool.whole ?? []);
  const properties: JsonObject = {};
  const required: string[] = [...(tool.required ?? [])];
  const paths = new Map<string, string>();
  const visit = (desc: DescMessage, prefix: string) => {
    for (const field of desc.fields) {
      const path = prefix + field.name;
      if (hidden.has(path)) continue;
      if (field.fieldKind === "message" && !isWellKnown(field.message) && !whole.has(path)) {
        visit(field.message, `${path}.`);
        continue;
      }
      const name = argumentName(field);
      // Two fields under one name would leave the model one of them, silently.
      const taken = paths.get(name);
      if (taken !== undefined) throw new Error(`${tool.name}: argument ${name} names both ${taken} and ${path}`);
      properties[name] = argumentSchema(field, name);
      paths.set(name, path);
      if (isRequired(field) && !required.includes(name)) required.push(name);
    }
  };
  visit(tool.method.input, "");
  return {
    schema: { type: "object", properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false },
    paths,
  };
}

/** The request, as proto3 JSON, for the arguments a model passed; unknown names are refused by name. */
export function requestJsonOf(tool: MemoryTool, args: ToolArguments, given: Record<string, unknown>): JsonObject {
  for (const name of Object.keys(given)) {
    if (!args.paths.has(name)) {
      const known = [...args.paths.keys()].join(", ");
      throw invalidArgument(name, "UNKNOWN_ARGUMENT", `${tool.name} has no argument "${name}"; it takes ${known}`);
    }
  }
  const json = protoJsonOf(tool.method.input, given as JsonValue);
  return tool.request?.(json) ?? json;
}

/** The argument a server-reported field path (memory.tags[3], filter.kinds) refers to. */
export function argumentOf(args: ToolArguments, fieldPath: string): string | undefined {
  const path = fieldPath.replace(/\[[^\]]*\]/g, "");
  for (const [name, argPath] of args.paths) {
    if (path === argPath || path.startsWith(`${argPath}.`)) return name;
  }
  return undefined;
}

/** The seed's name for a field where it has one (agent_registry_id, kind, tag), else the field's own. */
function argumentName(field: DescField): string {
  return getOption(field, rest_alias)[0] ?? field.name;
}

function argumentSchema(field: DescField, name: string): JsonObject {
  const schema = fieldSchema(field, inline);
  // A list under a singular name (kind, tag) also takes one bare value.
  if (field.fieldKind === "list" && name !== field.name) {
    const { description, ...list } = schema;
    return { anyOf: [list.items as JsonObject, list], ...(description !== undefined ? { description } : {}) };
  }
  return schema;
}
