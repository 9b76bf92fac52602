/**
 * How a LangGraph namespace maps onto Engram: one subject per namespace, its labels joined by
 * "." (a character LangGraph forbids in labels, so the join is reversible), and the labels again
 * in the item's metadata by position, so that a namespace prefix is a metadata filter.
 */
export function subjectIdOf(namespace: string[]): string {
  return namespace.join(".");
}

export function namespaceOf(subjectId: string): string[] {
  return subjectId.split(".");
}

/** `{"0": "users", "1": "alice"}`: what every item under the prefix ["users", "alice"] contains. */
export function labelsOf(namespace: string[]): Record<string, string> {
  return Object.fromEntries(namespace.map((label, index) => [String(index), label]));
}

export interface NamespaceQuery {
  prefix?: string[] | undefined;
  suffix?: string[] | undefined;
  maxDepth?: number | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/**
 * listNamespaces over every namespace that holds an item, as LangGraph's InMemoryStore answers
 * it: prefix and suffix match label by label ("*" matches any), maxDepth truncates (and merges
 * what becomes equal), then the namespaces are sorted by their ":"-joined text and paged.
 */
export function selectNamespaces(all: string[][], query: NamespaceQuery): string[][] {
  let namespaces = all.filter(
    (ns) => matches(ns, query.prefix ?? [], "prefix") && matches(ns, query.suffix ?? [], "suffix"),
  );
  if (query.maxDepth !== undefined) {
    const depth = query.maxDepth;
    const seen = new Map(namespaces.map((ns) => ns.slice(0, depth)).map((ns) => [JSON.stringify(ns), ns]));
    namespaces = [...seen.values()];
  }
  namespaces.sort((a, b) => a.join(":").localeCompare(b.join(":")));
  const offset = query.offset ?? 0;
  return namespaces.slice(offset, offset + (query.limit ?? namespaces.length));
}

function matches(namespace: string[], path: string[], side: "prefix" | "suffix"): boolean {
  if (path.length > namespace.length) return false;
  const part = side === "prefix" ? namespace.slice(0, path.length) : namespace.slice(namespace.length - path.length);
  return path.every((label, index) => label === "*" || label === part[index]);
}
