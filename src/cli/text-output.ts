import { ConnectError } from "@connectrpc/connect";

/**
 * Rows as aligned columns two spaces apart, the first row a header: text left-aligned, and the
 * columns `rightAligned` names (numbers) right-aligned.
 */
export function textTable(rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const pad = (cell: string, i: number) =>
    rightAligned.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
  return rows.map((row) => row.map(pad).join("  ").trimEnd() + "\n").join("");
}

/** A server's refusal as one line naming the server and the key used ("... was refused: ..."). */
export function refusedBy(holder: string, err: unknown): Error {
  if (err instanceof ConnectError) return new Error(`${holder} was refused: ${err.message}`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
