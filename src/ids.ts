/** A UUID as text, for patterns that find one inside a longer string (lower case, as Postgres prints it). */
export const UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

const UUID = new RegExp(`^${UUID_PATTERN}$`, "i");

/** Ids are UUIDs; anything else cannot name a stored row, so lookups treat it as not found. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
