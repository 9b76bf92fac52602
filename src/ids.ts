/** A UUID as text, for patterns that find one inside a longer string (lower case, as Postgres prints it). */
export const UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

const UUID = new RegExp(`^${UUID_PATTERN}$`, "i");

const UUIDS = new RegExp(UUID_PATTERN, "g");

/**
 * The ids a stored protobuf message names (a staged write, a recorded write response): in the
 * wire format a string field is its UTF-8 bytes, so the text of each id is there as it is. Kept
 * beside the message so that erasing a memory finds what names it by an index (src/erasure/).
 */
export function uuidsIn(message: Uint8Array): string[] {
  return [...new Set(Buffer.from(message).toString("latin1").match(UUIDS) ?? [])];
}

/** Ids are UUIDs; anything else cannot name a stored row, so lookups treat it as not found. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
