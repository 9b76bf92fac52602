import { randomUUID } from "node:crypto";
import { sql, type Sql } from "../db/sql.js";

/** The channel on which a server that numbered changes tells the others which workspaces have news. */
export const FEED_CHANNEL = "engram_memory_changes";

/** Postgres refuses NOTIFY payloads from 8000 bytes; a longer list becomes "every workspace". */
const MAX_PAYLOAD = 7_000;

interface Payload {
  from: string;
  workspaces: string[] | null;
}

/**
 * The wake-ups servers send one another: who sent it (a server's own come back to it, and it
 * has woken its streams already) and which workspaces it concerns.
 */
export class FeedNotifications {
  private readonly server = randomUUID();

  /** The NOTIFY for these workspaces, to run in the transaction that numbered their changes. */
  announcement(workspaces: string[]): Sql {
    let payload = JSON.stringify({ from: this.server, workspaces } satisfies Payload);
    if (payload.length > MAX_PAYLOAD)
      payload = JSON.stringify({ from: this.server, workspaces: null } satisfies Payload);
    return sql`select pg_notify(${FEED_CHANNEL}, ${payload})`;
  }

  /** The workspaces another server announced (null: all of them), or undefined for this server's own. */
  received(payload: string): string[] | null | undefined {
    try {
      const { from, workspaces } = JSON.parse(payload) as Payload;
      if (from === this.server) return undefined;
      return Array.isArray(workspaces) ? workspaces.map(String) : null;
    } catch {
      return null;
    }
  }
}
