import { createHash } from "node:crypto";
import { invalidArgument } from "../errors.js";
import type { OrderField } from "./memory.repository.js";

interface Position {
  value: string | number;
  id: string;
}

/**
 * Page tokens are opaque to clients: the keyset position of the last row served, bound to
 * the query it came from so that a token cannot be replayed against another filter.
 */
export function encodePageToken(queryFingerprint: string, position: Position): string {
  return Buffer.from(JSON.stringify({ q: queryFingerprint, v: position.value, i: position.id })).toString("base64url");
}

export function decodePageToken(token: string, queryFingerprint: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidPageToken("page_token is not one this server issued");
  }
  if (!isTokenBody(parsed)) throw invalidPageToken("page_token is not one this server issued");
  if (parsed.q !== queryFingerprint) {
    throw invalidPageToken("page_token belongs to a different filter or order_by");
  }
  return { value: parsed.v, id: parsed.i };
}

export function fingerprintQuery(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 22);
}

export function orderValue(
  field: OrderField,
  record: { createTime: Date; updateTime: Date; confidence: number },
): string | number {
  if (field === "confidence") return record.confidence;
  return (field === "create_time" ? record.createTime : record.updateTime).toISOString();
}

function isTokenBody(value: unknown): value is { q: string; v: string | number; i: string } {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.q === "string" &&
    (typeof v.v === "string" || typeof v.v === "number") &&
    typeof v.i === "string" &&
    /^[0-9a-f-]{36}$/i.test(v.i) &&
    (typeof v.v === "number" || !Number.isNaN(Date.parse(v.v)))
  );
}

function invalidPageToken(description: string) {
  return invalidArgument("page_token", "INVALID_PAGE_TOKEN", description);
}
