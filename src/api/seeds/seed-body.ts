import type { JsonObject } from "@bufbuild/protobuf";
import { z } from "zod";
import { DomainError } from "../../errors/domain-error.js";

/**
 * A seed API's body, checked by its zod schema: anything that does not fit is one
 * INVALID_ARGUMENT naming every field at fault, before Engram is called.
 */
export function parseSeedBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (depthOf(body) > MAX_DEPTH) {
    throw new DomainError("invalid_argument", "TOO_DEEP", `the body is nested more than ${MAX_DEPTH} levels deep`, [
      { field: "body", description: `nested more than ${MAX_DEPTH} levels deep` },
    ]);
  }
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const violations = parsed.error.issues.map((issue) => ({
    field: issue.path.length === 0 ? "body" : issue.path.map(String).join("."),
    description: issue.message,
  }));
  throw new DomainError(
    "invalid_argument",
    "INVALID_BODY",
    violations.map((v) => `${v.field}: ${v.description}`).join("; "),
    violations,
  );
}

/**
 * How deep a seed body may nest. Free-form objects (Penumbra's subject) become Struct
 * metadata, which protobuf decodes to a depth of 100 messages, two per JSON level.
 */
const MAX_DEPTH = 32;

/** The nesting depth of a JSON value, without recursion (a hostile body may nest very deep). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next;
    if (typeof v !== "object" || v === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The JSON Schema of a request body, for the OpenAPI document. */
export function bodySchema(schema: z.ZodType): JsonObject {
  const json = { ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) } as JsonObject;
  delete json.$schema;
  return json;
}

/**
 * A title for a memory whose API derives one: its first line, white space collapsed, cut at
 * a word boundary (with an ellipsis) to fit `max` characters.
 */
export function deriveTitle(content: string, max: number): string {
  const line = (content.trim().split("\n")[0] ?? "").replace(/\s+/g, " ").trim();
  if ([...line].length <= max) return line;
  const cut = [...line].slice(0, max - 1).join("");
  const boundary = cut.lastIndexOf(" ");
  return `${boundary > max / 2 ? cut.slice(0, boundary) : cut}…`;
}
