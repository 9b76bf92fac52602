import {
  ScalarType,
  toJson,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { invalidArgument } from "../errors/domain-error.js";
import { ERROR_DETAILS } from "../errors/status.js";
import { isWellKnown, resolve, resolveDotted, type ResolvedField } from "./rest-fields.js";

/*
 * The REST dialect of the API's JSON: field names in snake_case (the proto names), enum
 * values by their short names in lower case ("shared", "attached"), and, on input, the
 * aliases declared with (engram.v1.rest_alias) plus the canonical proto3 JSON forms.
 * Requests are rewritten into canonical proto3 JSON (keyed by proto name) for fromJson.
 */

/** Rewrites a REST JSON object for `desc` into proto3 JSON, refusing unknown names. */
export function protoJsonOf(desc: DescMessage, json: JsonValue, at = ""): JsonObject {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw invalidArgument(at || "body", "INVALID_JSON", `expected a JSON object for ${desc.typeName}`);
  }
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(json)) {
    const resolved = resolve(desc, name);
    if (resolved === undefined) {
      throw invalidArgument(join(at, name), "UNKNOWN_FIELD", `${desc.typeName} has no field "${name}"`);
    }
    assign(out, resolved, protoValueOf(resolved.field, value, join(at, name)), join(at, name));
  }
  return out;
}

/**
 * Sets a field named in a query string or path variable on a proto3 JSON object. Fields
 * inside `bodyField` are refused: they belong in the body.
 */
export function setParameter(
  desc: DescMessage,
  out: JsonObject,
  name: string,
  values: string[],
  bodyField?: string,
): void {
  const resolved = resolveDotted(desc, name);
  if (resolved === undefined) {
    throw invalidArgument(name, "UNKNOWN_FIELD", `${desc.typeName} has no field "${name}"`);
  }
  if ((resolved.parents[0] ?? resolved.field).name === bodyField) {
    throw invalidArgument(name, "NOT_A_PARAMETER", `belongs in the request body, not the query string`);
  }
  const { field } = resolved;
  const scalarOf = (text: string) => parameterValue(field, text, name);
  if (field.fieldKind === "list") {
    assign(out, resolved, values.map(scalarOf), name);
  } else if (values.length > 1) {
    throw invalidArgument(name, "REPEATED_PARAMETER", "takes one value, but was given more than one");
  } else {
    assign(out, resolved, scalarOf(values[0] ?? ""), name);
  }
}

/** A response message in the REST dialect: every field present, enums by short name. */
export function restJsonOf<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>): JsonObject {
  const json = toJson(desc, message, {
    useProtoFieldName: true,
    alwaysEmitImplicit: true,
    registry: ERROR_DETAILS,
  }) as JsonObject;
  return shortenEnums(desc, json);
}

/** The lower-case short name of an enum value: VISIBILITY_SHARED becomes "shared". */
export function shortEnumName(desc: DescEnum, name: string): string {
  const value = desc.values.find((v) => v.name === name);
  return value === undefined ? name : value.localName.toLowerCase();
}

function assign(out: JsonObject, { parents, field }: ResolvedField, value: JsonValue, at: string): void {
  let target = out;
  for (const parent of parents) {
    const next = target[parent.name];
    if (next === undefined || next === null) target = target[parent.name] = {};
    else target = next as JsonObject;
  }
  if (field.name in target) {
    const merged = mergeable(target[field.name], value);
    if (merged === undefined) throw invalidArgument(at, "DUPLICATE_FIELD", `${field.name} is given more than once`);
    target[field.name] = merged;
    return;
  }
  target[field.name] = value;
}

/** Repeated query parameters append; a nested object and flat names for its fields combine. */
function mergeable(existing: JsonValue | undefined, value: JsonValue): JsonValue | undefined {
  if (Array.isArray(existing) && Array.isArray(value)) return [...existing, ...value];
  const isObject = (v: JsonValue | undefined): v is JsonObject =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(existing) && isObject(value)) {
    const overlap = Object.keys(value).some((k) => k in existing);
    return overlap ? undefined : { ...existing, ...value };
  }
  return undefined;
}

function protoValueOf(field: DescField, value: JsonValue, at: string): JsonValue {
  if (value === null) return null;
  switch (field.fieldKind) {
    case "message":
      return messageValueOf(field.message, value, at);
    case "enum":
      return enumValueOf(field.enum, value);
    case "list":
      // One value where a list goes is a list of one: {"kind": "pitch"} as well as {"kind": ["pitch"]}.
      if (!Array.isArray(value)) return protoValueOf(field, [value], at);
      if (field.listKind === "message") return value.map((v, i) => messageValueOf(field.message, v, `${at}[${i}]`));
      if (field.listKind === "enum") return value.map((v) => enumValueOf(field.enum, v));
      return value;
    case "map":
      if (field.mapKind !== "message" || typeof value !== "object" || Array.isArray(value)) return value;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, messageValueOf(field.message, v, `${at}.${k}`)]),
      );
    case "scalar":
      return value;
  }
}

function messageValueOf(desc: DescMessage, value: JsonValue, at: string): JsonValue {
  if (desc.typeName === "google.protobuf.FieldMask" && typeof value === "string") return fieldMaskOf(value);
  return isWellKnown(desc) ? value : protoJsonOf(desc, value, at);
}

/** Field masks in REST may name fields in snake_case, which proto3 JSON does not allow. */
function fieldMaskOf(paths: string): string {
  return paths
    .split(",")
    .map((path) => path.trim().split(".").map(protoCamelCase).join("."))
    .join(",");
}

function enumValueOf(desc: DescEnum, value: JsonValue): JsonValue {
  if (typeof value !== "string") return value;
  const lower = value.toLowerCase();
  const match = desc.values.find((v) => v.name.toLowerCase() === lower || v.localName.toLowerCase() === lower);
  return match?.name ?? value;
}

function parameterValue(field: DescField, text: string, at: string): JsonValue {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "enum" && field.enum !== undefined) return enumValueOf(field.enum, text);
  if (kind === "message") {
    if (field.message === undefined || !isWellKnown(field.message)) {
      throw invalidArgument(at, "NOT_A_PARAMETER", "is a message and cannot be set from the query string");
    }
    // A Struct (MemoryFilter.metadata) is its JSON text: ?filter.metadata={"plan":"pro"}.
    if (field.message.typeName === "google.protobuf.Struct") return jsonObjectOf(text, at);
    return messageValueOf(field.message, text, at);
  }
  if (field.scalar === undefined) return text;
  // Proto3 JSON takes numbers as strings; only booleans need converting.
  if (field.scalar === ScalarType.BOOL) {
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    throw invalidArgument(at, "INVALID_BOOLEAN", `expected true or false, got "${text}"`);
  }
  return text;
}

function jsonObjectOf(text: string, at: string): JsonValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidArgument(at, "INVALID_JSON", "expected a JSON object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(at, "INVALID_JSON", "expected a JSON object");
  }
  return value as JsonValue;
}

function shortenEnums(desc: DescMessage, json: JsonObject): JsonObject {
  for (const field of desc.fields) {
    const value = json[field.name];
    if (value === undefined || value === null) continue;
    if (field.fieldKind === "enum" && typeof value === "string") {
      json[field.name] = shortEnumName(field.enum, value);
    } else if (field.fieldKind === "message" && !isWellKnown(field.message)) {
      json[field.name] = shortenEnums(field.message, value as JsonObject);
    } else if (field.fieldKind === "list" && Array.isArray(value)) {
      if (field.listKind === "enum") {
        json[field.name] = value.map((v) => (typeof v === "string" ? shortEnumName(field.enum, v) : v));
      } else if (field.listKind === "message" && !isWellKnown(field.message)) {
        json[field.name] = value.map((v) => shortenEnums(field.message, v as JsonObject));
      }
    }
  }
  return json;
}

function join(at: string, name: string): string {
  return at === "" ? name : `${at}.${name}`;
}
