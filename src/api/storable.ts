/// <reference lib="es2024.string" />
import { isMessage, ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import {
  DurationSchema,
  ListValueSchema,
  StructSchema,
  TimestampSchema,
  ValueSchema,
  type Value,
} from "@bufbuild/protobuf/wkt";
import { DomainError, type FieldViolation } from "../errors/domain-error.js";

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range of google.protobuf.Timestamp (and of its JSON form). */
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;
/** About 10,000 years, the range of google.protobuf.Duration. */
const MAX_DURATION_SECONDS = 315_576_000_000n;
const MAX_NANOS = 999_999_999;
/** The smallest normal and the largest finite 32-bit float: Postgres `real` refuses what lies outside. */
const FLT_MIN = 1.1754943508222875e-38;
const FLT_MAX = 3.4028234663852886e38;
/** A hostile message could break every string it holds; a few violations say enough. */
const MAX_VIOLATIONS = 20;

interface StorableViolation extends FieldViolation {
  reason: string;
}

/**
 * Rejects what Postgres cannot store, whatever the message: NUL characters and lone UTF-16
 * surrogates in any string (text and jsonb refuse them, or binary encoding would silently
 * replace them), timestamps and durations outside their well-known types' range, floats
 * that `real` cannot hold, and non-finite numbers, which JSON (and so jsonb) cannot hold.
 * Walks the message by reflection, so every present and future field is covered.
 */
export function assertStorable(schema: DescMessage, message: Message): void {
  const violations = storableViolations(schema, message);
  const first = violations[0];
  if (first === undefined) return;
  const text = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  throw new DomainError(
    "invalid_argument",
    first.reason,
    text,
    violations.map(({ field, description }) => ({ field, description })),
  );
}

export function storableViolations(schema: DescMessage, message: Message): StorableViolation[] {
  const out: StorableViolation[] = [];
  walkMessage(reflect(schema, message), "", out);
  return out.slice(0, MAX_VIOLATIONS);
}

function walkMessage(r: ReflectMessage, path: string, out: StorableViolation[]): void {
  const message = r.message;
  if (isMessage(message, TimestampSchema)) return checkTimestamp(message.seconds, message.nanos, path, out);
  if (isMessage(message, DurationSchema)) return checkDuration(message.seconds, message.nanos, path, out);
  if (isMessage(message, StructSchema)) return walkStruct(message.fields, path, out);
  if (isMessage(message, ValueSchema)) return walkValue(message, path, out);
  if (isMessage(message, ListValueSchema)) return message.values.forEach((v, i) => walkValue(v, `${path}[${i}]`, out));
  for (const field of r.fields) {
    if (out.length >= MAX_VIOLATIONS) return;
    if (!r.isSet(field)) continue;
    walkField(r, field, path === "" ? field.name : `${path}.${field.name}`, out);
  }
}

function walkField(r: ReflectMessage, field: DescField, path: string, out: StorableViolation[]): void {
  switch (field.fieldKind) {
    case "scalar":
      return checkScalar(field.scalar, r.get(field), path, out);
    case "message":
      return walkMessage(r.get(field), path, out);
    case "enum":
      return;
    case "list": {
      const list = r.get(field);
      for (const [i, item] of list.entries()) {
        const at = `${path}[${i}]`;
        if (field.listKind === "scalar") checkScalar(field.scalar, item, at, out);
        else if (field.listKind === "message") walkMessage(item as ReflectMessage, at, out);
      }
      return;
    }
    case "map": {
      for (const [key, value] of r.get(field)) {
        if (typeof key === "string") checkString(key, path, out);
        const at = `${path}[${JSON.stringify(key)}]`;
        if (field.mapKind === "scalar") checkScalar(field.scalar, value, at, out);
        else if (field.mapKind === "message") walkMessage(value as ReflectMessage, at, out);
      }
      return;
    }
  }
}

function checkScalar(type: ScalarType, value: unknown, path: string, out: StorableViolation[]): void {
  if (type === ScalarType.STRING) checkString(value as string, path, out);
  else if (type === ScalarType.FLOAT) checkFloat(value as number, path, out);
  else if (type === ScalarType.DOUBLE) checkFinite(value as number, path, out);
}

function checkString(value: string, path: string, out: StorableViolation[]): void {
  if (value.includes("\u0000")) {
    out.push({ field: path, reason: "NUL_CHARACTER", description: "must not contain NUL (U+0000) characters" });
  } else if (!value.isWellFormed()) {
    out.push({
      field: path,
      reason: "INVALID_UNICODE",
      description: "must be well-formed Unicode (no lone UTF-16 surrogates)",
    });
  }
}

function checkFloat(value: number, path: string, out: StorableViolation[]): void {
  const magnitude = Math.abs(value);
  if (Number.isFinite(value) && (magnitude === 0 || (magnitude >= FLT_MIN && magnitude <= FLT_MAX))) return;
  out.push({
    field: path,
    reason: "NUMBER_OUT_OF_RANGE",
    description: "must be 0 or a finite number of magnitude 1.17549435e-38 to 3.40282347e38 (a 32-bit float)",
  });
}

function checkFinite(value: number, path: string, out: StorableViolation[]): void {
  if (Number.isFinite(value)) return;
  out.push({ field: path, reason: "NUMBER_OUT_OF_RANGE", description: "must be a finite number" });
}

function checkTimestamp(seconds: bigint, nanos: number, path: string, out: StorableViolation[]): void {
  if (seconds >= MIN_TIMESTAMP_SECONDS && seconds <= MAX_TIMESTAMP_SECONDS && nanos >= 0 && nanos <= MAX_NANOS) {
    return;
  }
  out.push({
    field: path,
    reason: "TIMESTAMP_OUT_OF_RANGE",
    description: "must lie in 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z, with nanos in 0..999999999",
  });
}

function checkDuration(seconds: bigint, nanos: number, path: string, out: StorableViolation[]): void {
  const sameSign = seconds === 0n || nanos === 0 || seconds > 0n === nanos > 0;
  const magnitude = seconds < 0n ? -seconds : seconds;
  if (magnitude <= MAX_DURATION_SECONDS && Math.abs(nanos) <= MAX_NANOS && sameSign) return;
  out.push({
    field: path,
    reason: "DURATION_OUT_OF_RANGE",
    description: "must be at most 10,000 years, with nanos in -999999999..999999999 of the same sign as seconds",
  });
}

/** Struct paths read like the JSON they stand for: memory.metadata.foo, memory.metadata["a b"][2]. */
function walkStruct(fields: Record<string, Value>, path: string, out: StorableViolation[]): void {
  for (const [key, value] of Object.entries(fields)) {
    if (out.length >= MAX_VIOLATIONS) return;
    const at = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
    checkString(key, at, out);
    walkValue(value, at, out);
  }
}

function walkValue(value: Value, path: string, out: StorableViolation[]): void {
  switch (value.kind.case) {
    case "stringValue":
      return checkString(value.kind.value, path, out);
    case "numberValue":
      return checkFinite(value.kind.value, path, out);
    case "structValue":
      return walkStruct(value.kind.value.fields, path, out);
    case "listValue":
      return value.kind.value.values.forEach((v, i) => walkValue(v, `${path}[${i}]`, out));
  }
}
