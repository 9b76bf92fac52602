import { randomUUID } from "node:crypto";
import type { FeedHeads } from "./change-log.repository.js";

/** The channel on which a server that numbered changes tells the others which workspaces have news (sequence-changes.routine.ts). */
export const FEED_CHANNEL = "engram_memory_changes";

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
  /** This server, as its announcements name it (engram_sequence_changes' announce_from). */
  readonly server = randomUUID();

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
