import type { DescMessage, JsonValue } from "@bufbuild/protobuf";
import { invalidArgument } from "../errors/domain-error.js";

const TIMESTAMP = "google.protobuf.Timestamp";
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** Only these can be dates that do not exist but that Date.parse still reads. */
const SUSPECT = /-(?:29|30|31)T|T24:/;

/**
 * protobuf-es reads a JSON Timestamp with Date.parse, which rolls "2020-02-30T00:00:00Z" over
 * to March 1 and reads "T24:00:00" as the next day: a client's typo would be stored as another
 * date. Refuses any Timestamp in `json` that names a day or time that does not exist.
 */
export function assertRealTimestamps(schema: DescMessage, json: JsonValue): void {
  if (containsTimestamp(schema)) walk(schema, json, "");
}

/** The same check on a request body, parsing it only when it holds a suspect date. */
export function assertRealTimestampsInText(schema: DescMessage, text: string): void {
  // A JSON escape (\u0054 for "T") could spell a suspect date the pattern does not see.
  if (!containsTimestamp(schema) || !(SUSPECT.test(text) || text.includes("\\u"))) return;
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch {
    return; // Not JSON at all: the decoder that follows says so.
  }
  walk(schema, json, "");
}

function walk(schema: DescMessage, json: JsonValue, path: string): void {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return;
  for (const field of schema.fields) {
    const value = json[field.jsonName] ?? json[field.name];
    const message = field.message;
    if (value === undefined || value === null || message === undefined) continue;
    const at = path === "" ? field.name : `${path}.${field.name}`;
    const check = (item: JsonValue, itemPath: string) =>
      message.typeName === TIMESTAMP ? checkTimestamp(item, itemPath) : walk(message, item, itemPath);
    if (field.fieldKind === "list" && Array.isArray(value)) value.forEach((item, i) => check(item, `${at}[${i}]`));
    else if (field.fieldKind === "map" && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, item] of Object.entries(value)) check(item, `${at}[${JSON.stringify(key)}]`);
    } else if (field.fieldKind === "message") check(value, at);
  }
}

function checkTimestamp(value: JsonValue, path: string): void {
  const match = typeof value === "string" ? RFC3339.exec(value) : null;
  // Strings that are not RFC 3339 at all are the decoder's to refuse.
  if (match === null) return;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = match
    .slice(1)
    .map((d) => Number(d ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const exists =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59;
  if (!exists) throw invalidArgument(path, "TIMESTAMP_INVALID", `"${value as string}" is not a real date and time`);
}

const containsCache = new WeakMap<DescMessage, boolean>();

function containsTimestamp(schema: DescMessage, seen = new Set<DescMessage>()): boolean {
  const cached = containsCache.get(schema);
  if (cached !== undefined) return cached;
  if (seen.has(schema)) return false;
  seen.add(schema);
  const found = schema.fields.some(
    (f) => f.message !== undefined && (f.message.typeName === TIMESTAMP || containsTimestamp(f.message, seen)),
  );
  containsCache.set(schema, found);
  return found;
}
