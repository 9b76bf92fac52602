import type { JsonObject } from "@bufbuild/protobuf";

/** LangGraph's filter operators, applied as InMemoryStore applies them (top-level keys only). */
const OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"]);

export function matchesFilter(value: Record<string, unknown>, filter: Record<string, unknown> | undefined): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([field, wanted]) => compare(value[field], wanted));
}

function compare(actual: unknown, wanted: unknown): boolean {
  if (!isOperators(wanted)) return actual === wanted;
  return Object.entries(wanted)
    .filter(([op]) => op.startsWith("$"))
    .every(([op, operand]) => {
      switch (op) {
        case "$eq":
          return actual === operand;
        case "$ne":
          return actual !== operand;
        case "$gt":
          return Number(actual) > Number(operand);
        case "$gte":
          return Number(actual) >= Number(operand);
        case "$lt":
          return Number(actual) < Number(operand);
        case "$lte":
          return Number(actual) <= Number(operand);
        case "$in":
          return Array.isArray(operand) && operand.includes(actual);
        case "$nin":
          return !Array.isArray(operand) || !operand.includes(actual);
        default:
          return false;
      }
    });
}

function isOperators(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).some((key) => OPERATORS.has(key))
  );
}

/**
 * The part of a filter the server can apply (a metadata containment): plain scalar equalities.
 * Everything else is applied here, after; the server's part never drops an item that matches.
 */
export function serverFilterOf(filter: Record<string, unknown> | undefined): JsonObject {
  const equal: JsonObject = {};
  for (const [field, wanted] of Object.entries(filter ?? {})) {
    const scalar = isOperators(wanted) && Object.keys(wanted).length === 1 && "$eq" in wanted ? wanted.$eq : wanted;
    if (typeof scalar === "string" || typeof scalar === "boolean" || typeof scalar === "number") {
      equal[field] = scalar;
    }
  }
  return equal;
}

/**
 * The text Engram embeds and indexes for an item: its namespace, key and the value's leaves,
 * so that a search by meaning or keyword finds it, and the write guard (which refuses texts of
 * stop words only) accepts it.
 */
export function contentOf(namespace: string[], key: string, value: Record<string, unknown>): string {
  const leaves: string[] = [];
  const walk = (path: string, node: unknown) => {
    if (node === null || node === undefined) return;
    if (typeof node === "object") {
      for (const [name, child] of Object.entries(node as Record<string, unknown>)) {
        walk(path === "" ? name : `${path}.${name}`, child);
      }
      return;
    }
    if (typeof node === "string" || typeof node === "number" || typeof node === "boolean") {
      leaves.push(`${path}: ${String(node)}`);
    }
  };
  walk("", value);
  return [`${namespace.join(" / ")} / ${key}`, ...leaves].join("\n").slice(0, 50_000);
}
