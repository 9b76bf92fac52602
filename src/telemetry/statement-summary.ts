/** What a database span is named and says of its statement: the operation and the table, never text or parameters. */
export interface StatementSummary {
  operation: string;
  table: string | null;
}

const IDENTIFIER = String.raw`"?([A-Za-z_][A-Za-z0-9_$]*)"?(?:\."?([A-Za-z_][A-Za-z0-9_$]*)"?)?`;
const TABLE_AFTER = {
  select: new RegExp(String.raw`\bfrom\s+${IDENTIFIER}`, "i"),
  insert: new RegExp(String.raw`\binto\s+${IDENTIFIER}`, "i"),
  update: new RegExp(String.raw`^\s*update\s+(?:only\s+)?${IDENTIFIER}`, "i"),
  delete: new RegExp(String.raw`\bfrom\s+(?:only\s+)?${IDENTIFIER}`, "i"),
};
/** The first data-modifying statement inside a WITH: what the statement as a whole is for. */
const MODIFYING = new RegExp(String.raw`\b(insert\s+into|update|delete\s+from)\s+(?:only\s+)?${IDENTIFIER}`, "i");
/** Comments and literals (quoted, and dollar-quoted bodies): nothing in them may name a span. */
const NOT_KEYWORDS = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g;

/**
 * The operation (SELECT, INSERT, ...) and its main table, from the statement's keywords alone:
 * a span's name (`SELECT memories`) tells statements apart without the text, whose literals and
 * parameters may hold memory content.
 */
export function statementSummary(sql: string): StatementSummary {
  const stripped = sql.slice(0, 4_096).replace(NOT_KEYWORDS, " ");
  // A literal the slice cut open is read no further.
  const unclosed = stripped.search(/'|\$[A-Za-z_]*\$/);
  const text = unclosed === -1 ? stripped : stripped.slice(0, unclosed);
  const keyword = /^\s*\(?\s*([A-Za-z]+)/.exec(text)?.[1]?.toLowerCase() ?? "";
  if (keyword === "with") {
    const modifying = MODIFYING.exec(text);
    if (modifying) {
      const operation = (modifying[1] ?? "").split(/\s+/)[0]?.toUpperCase() ?? "";
      return { operation, table: modifying[3] ?? modifying[2] ?? null };
    }
    return { operation: "SELECT", table: tableOf(text, TABLE_AFTER.select) };
  }
  if (keyword in TABLE_AFTER) {
    return { operation: keyword.toUpperCase(), table: tableOf(text, TABLE_AFTER[keyword as keyof typeof TABLE_AFTER]) };
  }
  return { operation: keyword === "" ? "STATEMENT" : keyword.toUpperCase(), table: null };
}

/** `SELECT memories`, or the operation alone. */
export function statementName({ operation, table }: StatementSummary): string {
  return table === null ? operation : `${operation} ${table}`;
}

function tableOf(text: string, pattern: RegExp): string | null {
  const match = pattern.exec(text);
  return match ? (match[2] ?? match[1] ?? null) : null;
}
