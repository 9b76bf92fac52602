import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import type { ApiKeys } from "../auth/api-keys.js";
import { ChangeFeed, type ChangeFeedDeps } from "../feed/change-feed.js";
import { Sequencer } from "../feed/sequencer.js";
import { successorNamesOf } from "../memory/successors.js";

export interface FeedOptions extends Pick<ChangeFeedDeps, "options" | "changeLog"> {
  em: EntityManager;
  logger: Logger;
  /** Revocations end the streams of the keys revoked. */
  apiKeys: ApiKeys;
  /** How often the sequencer looks for changes no server numbered (one killed between commit and numbering). */
  pollMs: number;
  /** This server's name in the announcements other servers' feeds wake on; null when alone on its database. */
  announceAs: string | null;
}

/** WatchMemories' feed and the sequencer that numbers its change log, each waking the other. */
export function composeFeed(o: FeedOptions): { feed: ChangeFeed; sequencer: Sequencer } {
  const sequencer: Sequencer = new Sequencer(o.em, {
    logger: o.logger,
    pollMs: o.pollMs,
    announceAs: o.announceAs,
    onSequenced: (heads) => feed.wake(heads),
    // Alone on its database (PGlite), a server knows whether anyone watches.
    eager: () => o.announceAs !== null || feed.openStreams > 0,
  });
  const feed = new ChangeFeed({
    em: o.em,
    logger: o.logger,
    revokedKeys: (ids) => o.apiKeys.revokedAmong(ids),
    sequencer,
    successors: successorNamesOf(o.em),
    options: o.options,
    changeLog: o.changeLog,
  });
  o.apiKeys.onRevocation(() => feed.keysChanged());
  return { feed, sequencer };
}
