import { randomUUID } from "node:crypto";
import { sql, type Sql } from "../db/sql.js";
import type { FeedHeads } from "./change-log.repository.js";

/** The channel on which a server that numbered changes tells the others which workspaces have news. */
export const FEED_CHANNEL = "engram_memory_changes";

/** Postgres refuses NOTIFY payloads from 8000 bytes; a longer list becomes "every workspace". */
const MAX_PAYLOAD = 7_000;

interface Payload {
  from: string;
  /** Workspace id and its new head, in decimal. */
  heads: [string, string][] | null;
}

/**
 * The wake-ups servers send one another: who sent it (a server's own come back to it, and it
 * has woken its streams already) and which workspaces' heads moved, to where.
 */
export class FeedNotifications {
  private readonly server = randomUUID();

  /** The NOTIFY for these heads, to run in the transaction that numbered their changes. */
  announcement(heads: FeedHeads): Sql {
    const listed = [...heads].map(([workspace, head]): [string, string] => [workspace, String(head)]);
    let payload = JSON.stringify({ from: this.server, heads: listed } satisfies Payload);
    if (payload.length > MAX_PAYLOAD) payload = JSON.stringify({ from: this.server, heads: null } satisfies Payload);
    return sql`select pg_notify(${FEED_CHANNEL}, ${payload})`;
  }

  /** The heads another server announced (null: any workspace may have news), or undefined for this server's own. */
  received(payload: string): FeedHeads | null | undefined {
    try {
      const { from, heads } = JSON.parse(payload) as Payload;
      if (from === this.server) return undefined;
      return Array.isArray(heads) ? new Map(heads.map(([workspace, head]) => [String(workspace), BigInt(head)])) : null;
    } catch {
      return null;
    }
  }
}
