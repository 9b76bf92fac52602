import { createHmac, timingSafeEqual } from "node:crypto";
import { invalidArgument } from "../errors/domain-error.js";
import { isUuid } from "../ids.js";
import type { Viewer } from "../auth/principal.js";
import type { OrderField } from "./filters.js";

export interface Position {
  value: string | number;
  id: string;
}

/** The form orderValue gives times: Date.toISOString, always UTC with milliseconds. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Page tokens are opaque to clients: the keyset position of the last row served, signed with
 * HMAC-SHA256 together with the query it came from. Only a server holding the cluster's
 * secret can issue one, and a token cannot be replayed against another filter, order or
 * viewer. The secret lives in the database, so every server of a cluster accepts the others'
 * tokens, and tokens outlive restarts.
 */
export class PageTokens {
  constructor(private readonly secret: Uint8Array) {}

  /** `query` is everything that shapes the result set: any JSON-serialisable value. */
  encode(query: unknown, position: Position): string {
    const body = Buffer.from(JSON.stringify({ v: position.value, i: position.id }));
    return `${body.toString("base64url")}.${this.sign(query, body).toString("base64url")}`;
  }

  decode(token: string, query: unknown, field: OrderField | "revision" | "offset"): Position {
    const [bodyPart, macPart, ...rest] = token.split(".");
    if (bodyPart === undefined || macPart === undefined || rest.length > 0) throw notIssued();
    const body = Buffer.from(bodyPart, "base64url");
    const mac = Buffer.from(macPart, "base64url");
    const expected = this.sign(query, body);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw notIssued();
    // Signed by us, so well formed; checked again so that no value of the wrong type reaches SQL.
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw notIssued();
    }
    if (!isPosition(parsed, field)) throw notIssued();
    return { value: parsed.v, id: parsed.i };
  }

  private sign(query: unknown, body: Buffer): Buffer {
    // JSON never holds a raw newline, so the separator keeps query and body apart.
    return createHmac("sha256", this.secret).update(JSON.stringify(query)).update("\n").update(body).digest();
  }
}

/** Whose view a token pages through: the workspace and acting agent, not the key (a rotated key goes on paging). */
export function tokenScope(viewer: Viewer): Omit<Viewer, "keyId"> {
  return { workspaceId: viewer.workspaceId, agentId: viewer.agentId, admin: viewer.admin };
}

export function orderValue(
  field: OrderField,
  record: { createTime: Date; updateTime: Date; confidence: number },
): string | number {
  if (field === "confidence") return record.confidence;
  return (field === "create_time" ? record.createTime : record.updateTime).toISOString();
}

function isPosition(
  value: unknown,
  field: OrderField | "revision" | "offset",
): value is { v: string | number; i: string } {
  if (typeof value !== "object" || value === null) return false;
  const { v, i } = value as Record<string, unknown>;
  // A page of computed rows (ListEntities) is where the last one ended: no id, a row count.
  if (field === "offset") return i === "" && typeof v === "number" && Number.isSafeInteger(v) && v > 0;
  if (typeof i !== "string" || !isUuid(i)) return false;
  if (field === "revision") return typeof v === "string" && /^[1-9]\d{0,18}$/.test(v);
  if (field === "confidence") return typeof v === "number" && v >= 0 && v <= 1;
  return typeof v === "string" && ISO_TIME.test(v) && !Number.isNaN(Date.parse(v));
}

function notIssued() {
  return invalidArgument(
    "page_token",
    "INVALID_PAGE_TOKEN",
    "page_token is not one this server issued for this filter, order_by and agent",
  );
}
