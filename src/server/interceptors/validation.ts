import type { DescMessage, Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator, type Violation } from "@bufbuild/protovalidate";
import type { Interceptor } from "@connectrpc/connect";
import { DomainError } from "../../errors/domain-error.js";
import { assertStorable } from "../../api/storable.js";

/**
 * Enforces the protovalidate rules declared in the protos on every request message, so the
 * server checks exactly what generated clients can check; before them, what no rule can
 * declare: that Postgres can store every value (see storable.ts).
 */
export function validationInterceptor(): Interceptor {
  const validator = createValidator();
  const check = (schema: DescMessage, message: unknown) => {
    assertStorable(schema, message as Message);
    const result = validator.validate(schema, message as never);
    if (result.kind === "valid") return;
    if (result.kind === "error") throw result.error;
    throw toDomainError(result.violations);
  };
  return (next) => async (req) => {
    if (!req.stream) {
      check(req.method.input, req.message);
      return next(req);
    }
    return next({ ...req, message: validated(req.message, (m) => check(req.method.input, m)) });
  };
}

async function* validated<T>(stream: AsyncIterable<T>, check: (m: T) => void): AsyncIterable<T> {
  for await (const message of stream) {
    check(message);
    yield message;
  }
}

const SUFFIX: Record<string, string> = {
  "string.max_len": "TOO_LONG",
  "string.min_len": "TOO_SHORT",
  "repeated.max_items": "TOO_MANY",
  "repeated.min_items": "TOO_FEW",
  "repeated.unique": "DUPLICATED",
  "int32.lte": "TOO_LARGE",
  "int32.gte": "TOO_SMALL",
  // A field with both bounds reports one combined rule, whichever bound it broke.
  "int32.gte_lte": "OUT_OF_RANGE",
  "float.lte": "OUT_OF_RANGE",
  "float.gte": "OUT_OF_RANGE",
  "float.gte_lte": "OUT_OF_RANGE",
  "enum.defined_only": "UNKNOWN_VALUE",
  "string.in": "UNKNOWN_VALUE",
  "string.pattern": "INVALID_FORMAT",
  required: "REQUIRED",
  "duration.gt": "OUT_OF_RANGE",
};

function toDomainError(violations: Violation[]): DomainError {
  const fieldViolations = violations.map((v) => ({ field: fieldOf(v), description: v.message }));
  const first = violations[0];
  const reason = first ? reasonOf(first) : "INVALID_ARGUMENT";
  const message = fieldViolations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new DomainError("invalid_argument", reason, message, fieldViolations);
}

/** memory.content + string.max_len -> CONTENT_TOO_LONG; custom rules use their own id. */
function reasonOf(v: Violation): string {
  const suffix = SUFFIX[v.ruleId];
  if (suffix === undefined) return v.ruleId.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  const leaf =
    fieldOf(v)
      .split(".")
      .at(-1)
      ?.replace(/\[.*\]$/, "") ?? "FIELD";
  return `${leaf.toUpperCase()}_${suffix}`;
}

function fieldOf(v: Violation): string {
  const path = pathToString(v.field);
  // Field-level CEL rules name the message field; their id names the missing subfield.
  const sub = /^(\w+)_required$/.exec(v.ruleId);
  return sub ? `${path}.${sub[1]}` : path;
}
