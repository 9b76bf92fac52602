import {
  getOption,
  hasOption,
  ScalarType,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonObject,
} from "@bufbuild/protobuf";
import { field as fieldRules, type FieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { rest_alias } from "../../gen/ts/engram/v1/rest_pb.js";
import { shortEnumName } from "./rest-json.js";

/*
 * JSON Schemas for messages in the REST dialect (see rest-json.ts), stating the limits the
 * protovalidate rules in the protos enforce, so that documents and tool schemas never
 * promise more than the server accepts.
 */

export interface SchemaOptions {
  /** How another message is referred to: a $ref in OpenAPI, or its schema inlined. */
  messageRef(desc: DescMessage): JsonObject;
  /** Documentation for a message, field or enum (its proto comment), when there is any. */
  describe?(desc: DescMessage | DescField | DescEnum): string | undefined;
}

export function messageSchema(
  desc: DescMessage,
  options: SchemaOptions,
  omit: ReadonlySet<string> = new Set(),
): JsonObject {
  const known = wellKnownSchema(desc);
  if (known !== undefined) return known;
  const fields = desc.fields.filter((f) => !omit.has(f.name));
  const required = fields.filter(isRequired).map((f) => f.name);
  return withDescription(
    {
      type: "object",
      properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f, options)])),
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    },
    options.describe?.(desc),
  );
}

export function fieldSchema(field: DescField, options: SchemaOptions): JsonObject {
  const rules = hasOption(field, fieldRules) ? getOption(field, fieldRules) : undefined;
  let schema: JsonObject;
  switch (field.fieldKind) {
    case "scalar":
      schema = scalarSchema(field.scalar, rules);
      break;
    case "enum":
      schema = enumSchema(field.enum);
      break;
    case "message":
      schema = options.messageRef(field.message);
      break;
    case "list": {
      const itemRules = rules?.type.case === "repeated" ? rules.type.value.items : undefined;
      const items =
        field.listKind === "scalar"
          ? scalarSchema(field.scalar, itemRules)
          : field.listKind === "enum"
            ? enumSchema(field.enum)
            : options.messageRef(field.message);
      schema = { type: "array", items, ...repeatedLimits(rules) };
      break;
    }
    case "map":
      schema = {
        type: "object",
        additionalProperties:
          field.mapKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.mapKind === "enum"
              ? enumSchema(field.enum)
              : options.messageRef(field.message),
      };
      break;
  }
  const aliases = getOption(field, rest_alias);
  const aliasNote = aliases.length > 0 ? `Also accepted as ${aliases.map((a) => `"${a}"`).join(", ")}.` : undefined;
  return withDescription(schema, [options.describe?.(field), aliasNote].filter(Boolean).join(" ") || undefined);
}

/** Whether protovalidate rejects the message when this field is left empty. */
export function isRequired(field: DescField): boolean {
  if (!hasOption(field, fieldRules)) return false;
  const rules = getOption(field, fieldRules);
  if (rules.required) return true;
  if (rules.type.case === "string") return rules.type.value.minLen > 0n;
  if (rules.type.case === "repeated") return rules.type.value.minItems > 0n;
  return false;
}

export function enumSchema(desc: DescEnum): JsonObject {
  return {
    type: "string",
    enum: desc.values.map((v) => shortEnumName(desc, v.name)),
    description: `One of ${desc.values
      .slice(1)
      .map((v) => `"${shortEnumName(desc, v.name)}"`)
      .join(", ")}; the full names (${desc.values[1]?.name ?? desc.values[0]?.name}) are accepted too.`,
  };
}

function scalarSchema(scalar: ScalarType, rules?: FieldRules): JsonObject {
  switch (scalar) {
    case ScalarType.STRING: {
      const r = rules?.type.case === "string" ? rules.type.value : undefined;
      return {
        type: "string",
        // validate.proto is proto2: unset limits read as zero or empty, which no rule means.
        ...(r?.minLen ? { minLength: Number(r.minLen) } : {}),
        ...(r?.maxLen ? { maxLength: Number(r.maxLen) } : {}),
        ...(r?.pattern ? { pattern: r.pattern } : {}),
        ...(r !== undefined && r.in.length > 0 ? { enum: r.in } : {}),
      };
    }
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int32", ...numericLimits(rules) };
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return { type: "number", ...numericLimits(rules) };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    default:
      // 64-bit integers travel as decimal strings in proto3 JSON.
      return { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
  }
}

function numericLimits(rules?: FieldRules): JsonObject {
  const c = rules?.type.case;
  if (rules === undefined || (c !== "int32" && c !== "float")) return {};
  const r = rules.type.value as {
    greaterThan: { case?: string; value?: number };
    lessThan: { case?: string; value?: number };
  };
  const limits: JsonObject = {};
  if (r.greaterThan.case === "gte" && r.greaterThan.value !== undefined) limits.minimum = r.greaterThan.value;
  if (r.greaterThan.case === "gt" && r.greaterThan.value !== undefined) limits.exclusiveMinimum = r.greaterThan.value;
  if (r.lessThan.case === "lte" && r.lessThan.value !== undefined) limits.maximum = r.lessThan.value;
  if (r.lessThan.case === "lt" && r.lessThan.value !== undefined) limits.exclusiveMaximum = r.lessThan.value;
  return limits;
}

function repeatedLimits(rules?: FieldRules): JsonObject {
  if (rules?.type.case !== "repeated") return {};
  const r = rules.type.value;
  return {
    ...(r.minItems ? { minItems: Number(r.minItems) } : {}),
    ...(r.maxItems ? { maxItems: Number(r.maxItems) } : {}),
    ...(r.unique ? { uniqueItems: true } : {}),
  };
}

function wellKnownSchema(desc: DescMessage): JsonObject | undefined {
  switch (desc.typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time", description: "RFC 3339 time, e.g. 2026-11-21T09:30:00Z." };
    case "google.protobuf.Duration":
      return {
        type: "string",
        pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
        description: 'Seconds with an "s" suffix, e.g. "86400s".',
      };
    case "google.protobuf.FieldMask":
      return { type: "string", description: "Comma-separated field names, e.g. content,tags." };
    case "google.protobuf.Struct":
      return { type: "object", additionalProperties: true };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.Any":
      return { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] };
    default:
      return undefined;
  }
}

function withDescription(schema: JsonObject, description: string | undefined): JsonObject {
  if (description === undefined || description === "") return schema;
  const existing = typeof schema.description === "string" ? ` ${schema.description}` : "";
  return { ...schema, description: description + existing };
}
