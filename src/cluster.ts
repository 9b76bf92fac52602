import pg from "pg";
import type { Logger } from "pino";
import { API_KEYS_CHANGED } from "./auth/api-key.repository.js";
import { SINGLE_SERVER_KEY_CACHE, type KeyCacheOptions } from "./auth/api-keys.js";
import { DatabaseListener } from "./db/database-listener.js";
import type { FeedHeads } from "./feed/change-log.repository.js";
import { FEED_CHANNEL, FeedNotifications } from "./feed/feed-notifications.js";
import { loggableError } from "./logger.js";
import { memoryRateLimiters, postgresRateLimiters, type RateLimiters } from "./api/rate-limiters.js";

/** Servers on one Postgres wake each other's embedding workers on this channel when a backlog builds. */
const EMBEDDING_BACKLOG = "engram_embedding_backlog";
/** Servers on one Postgres tell each other on this channel which workspace an erasure reached, to drop their caches. */
const ERASURES = "engram_erasures";
/** Workers woken once keep claiming until the queue is empty, so one announcement a second is plenty. */
const ANNOUNCE_INTERVAL_MS = 1_000;

/**
 * What the servers sharing one database coordinate through. On the embedded engine there is
 * one server, and all of it stays in memory; on Postgres, rate-limit counters live in the
 * database, and revocations, embedding backlogs and change-log news are announced with NOTIFY.
 */
export interface Cluster {
  limiters: RateLimiters;
  keyCache: KeyCacheOptions;
  /**
   * Subscribes to key revocations and backlogs announced by any server (this one included), and
   * to the change-log heads other servers moved (null: any workspace may have news, as when the
   * listener was down).
   */
  listen(handlers: {
    keysChanged: () => void;
    backlog: () => void;
    changes: (heads: FeedHeads | null) => void;
    /** Memories of this workspace were erased (null: of any, as when the listener was down). */
    erased: (workspaceId: string | null) => void;
  }): Promise<void>;
  /** The id this server's change-log announcements carry; null with no other server to tell. */
  changeAnnouncer: string | null;
  /** Tells every server's embedding worker that memories are waiting for vectors (at most once a second). */
  announceBacklog(): void;
  /** Tells every server that memories of a workspace were erased: caches holding them must go. */
  announceErasure(workspaceId: string): void;
  close(): Promise<void>;
}

export const SINGLE_SERVER: Cluster = {
  limiters: memoryRateLimiters,
  keyCache: SINGLE_SERVER_KEY_CACHE,
  listen: async () => {},
  changeAnnouncer: null,
  announceBacklog: () => {},
  announceErasure: () => {},
  close: async () => {},
};

export function postgresCluster(databaseUrl: string, logger: Logger): Cluster {
  // A few connections of their own, so that rate limiting never waits behind a slow query.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 10_000 });
  pool.on("error", (err) => logger.warn({ error: loggableError(err) }, "shared-state connection failed"));
  const listener = new DatabaseListener(databaseUrl, logger);
  const feedNotifications = new FeedNotifications();
  let lastAnnounced = 0;
  return {
    limiters: postgresRateLimiters(pool),
    keyCache: { ...SINGLE_SERVER_KEY_CACHE, trusted: () => listener.live },
    async listen({ keysChanged, backlog, changes, erased }) {
      listener.on(API_KEYS_CHANGED, keysChanged);
      // Revocations and changes may have been missed while the listener was down.
      listener.onReset(keysChanged);
      listener.on(EMBEDDING_BACKLOG, backlog);
      // A backlog announced while the listener was down would otherwise wait for the idle look (a minute).
      listener.onReset(backlog);
      listener.on(FEED_CHANNEL, (payload) => {
        const heads = feedNotifications.received(payload);
        if (heads !== undefined) changes(heads);
      });
      listener.onReset(() => changes(null));
      listener.on(ERASURES, (workspaceId) => erased(workspaceId));
      // An erasure announced while the listener was down: any workspace's caches may hold it.
      listener.onReset(() => erased(null));
      await listener.start();
    },
    changeAnnouncer: feedNotifications.server,
    announceBacklog() {
      if (Date.now() - lastAnnounced < ANNOUNCE_INTERVAL_MS) return;
      lastAnnounced = Date.now();
      pool.query("select pg_notify($1, '')", [EMBEDDING_BACKLOG]).catch((err: unknown) => {
        // Not throttled: the next write that leaves a memory pending announces it again.
        lastAnnounced = 0;
        logger.warn({ error: loggableError(err) }, "could not announce the embedding backlog");
      });
    },
    announceErasure(workspaceId) {
      pool.query("select pg_notify($1, $2)", [ERASURES, workspaceId]).catch((err: unknown) => {
        logger.warn({ error: loggableError(err) }, "could not announce an erasure to the other servers");
      });
    },
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}
