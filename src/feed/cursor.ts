import { invalidArgument } from "../errors/domain-error.js";

const MAX_POSITION = 2n ** 63n - 1n;

/**
 * A cursor is a position in its workspace's change log, in decimal: opaque to clients, and
 * plain to an operator reading a log line or a bug report.
 */
export function encodeCursor(position: bigint): string {
  return position.toString();
}

/** The position an after_cursor names; INVALID_ARGUMENT for anything no change log could have given. */
export function decodeCursor(cursor: string): bigint {
  if (!/^\d{1,19}$/.test(cursor) || BigInt(cursor) > MAX_POSITION) {
    throw invalidArgument("after_cursor", "INVALID_CURSOR", "not a cursor from WatchMemories or ListMemories");
  }
  return BigInt(cursor);
}
