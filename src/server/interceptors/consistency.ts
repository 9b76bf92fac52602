import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { principalKey } from "../../auth/principal.js";
import { postgresErrorCode } from "../../db/database-errors.js";
import { readingFrom, routedReads } from "../../db/replicas/read-route.js";
import type { ReadReplicas, ReadTarget } from "../../db/replicas/read-replicas.js";
import { loggableError } from "../../logger.js";
import { formatWalPosition, parseWalPosition } from "../../db/replicas/wal-position.js";
import { invalidArgument } from "../../errors/domain-error.js";
import { CONSISTENCY_TOKEN_HEADER } from "../../memory/response-headers.js";
import { readsFromReplica } from "./replica-reads.js";
import { RecentWrites } from "./recent-writes.js";
import { replayable, stampedAtEnd, within, withFallBack, type AnyRequest } from "./routed-streams.js";
import { writesData } from "./storage.js";

export interface ConsistencyOptions {
  replicas: ReadReplicas;
  /** For the line saying a write's token could not be read. */
  logger: Logger;
  /** How long a key's own reads on this server wait for its last write (--read-your-writes-ms). */
  ownWritesMs: number;
  /** Told where each routed read went (the metrics). */
  onRead?: (target: ReadTarget["reason"] | "replica_failed") => void;
}

/**
 * Read replicas and read-your-writes. A write answers the primary's log position after it
 * (engram-consistency-token, header and trailer). A call that only reads goes to a replica that
 * has replayed the token the caller sends back, or this key's last write on this server within
 * ownWritesMs, waiting for one a bounded time and else reading the primary. A replica that fails
 * during a read is skipped and the read runs again on the primary, so the caller never sees it.
 */
export function consistencyInterceptor(options: ConsistencyOptions): Interceptor {
  const { replicas, logger } = options;
  const recent = new RecentWrites(options.ownWritesMs);
  const onRead = options.onRead ?? (() => {});
  return (next) => async (req) => {
    // Inside a routed read (an in-process call it made) the primary is chosen afresh, streams included.
    const onPrimary = async (request: AnyRequest) => {
      if (routedReads() === undefined) return next(request);
      const res = await readingFrom(undefined, () => next(request));
      return res.stream ? { ...res, message: within(undefined, res.message) } : res;
    };
    // The public services (health, reflection) have no caller: they neither read replicas nor write.
    const keyId = req.contextValues.get(principalKey)?.keyId;
    if (keyId === undefined) return onPrimary(req);

    if (readsFromReplica(req.method)) {
      const minimum = maxOf(tokenOf(req.header.get(CONSISTENCY_TOKEN_HEADER)), recent.positionOf(keyId));
      const target = await replicas.choose(minimum);
      onRead(target.reason);
      if (target.replica === null) return onPrimary(req);
      const replica = target.replica;
      const attempt = await replayable(req);
      const fallBack = () => {
        replica.markDown();
        onRead("replica_failed");
        return onPrimary(attempt());
      };
      try {
        const res = await readingFrom(replica.em, () => next(attempt()));
        return res.stream ? { ...res, message: withFallBack(replica.em, res, isReplicaFailure, fallBack) } : res;
      } catch (err) {
        if (!isReplicaFailure(err)) throw err;
        return fallBack();
      }
    }

    if (!writesData(req.method)) return onPrimary(req);
    const res = await onPrimary(req);
    // The write has committed: a token that cannot be read must not turn it into an error.
    const stamp = async (): Promise<string | null> => {
      try {
        const position = await replicas.writePosition();
        recent.note(keyId, position);
        return formatWalPosition(position);
      } catch (err) {
        logger.warn({ error: loggableError(err) }, "could not read the primary's log position for a write's token");
        return null;
      }
    };
    if (res.stream) return { ...res, message: stampedAtEnd(res, stamp) };
    const token = await stamp();
    if (token !== null) {
      res.header.set(CONSISTENCY_TOKEN_HEADER, token);
      res.trailer.set(CONSISTENCY_TOKEN_HEADER, token);
    }
    return res;
  };
}

/** The position a request's token names; a token that is not one is the caller's error. */
function tokenOf(header: string | null): bigint | null {
  if (header === null || header === "") return null;
  const position = parseWalPosition(header);
  if (position === null) {
    throw invalidArgument(
      CONSISTENCY_TOKEN_HEADER,
      "INVALID_CONSISTENCY_TOKEN",
      "is not a token a write answered (a WAL position such as 0/3001108)",
    );
  }
  return position;
}

function maxOf(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/**
 * Errors of a replica rather than of the read: it cannot be reached or went away (connection
 * exceptions, shutdown, "cannot connect now"), or recovery cancelled the statement (a replay
 * conflict, 40001 on a standby).
 */
function isReplicaFailure(err: unknown): boolean {
  const code = postgresErrorCode(err);
  if (code !== undefined) return code.startsWith("08") || code.startsWith("57P") || code === "40001";
  const errno = (err as { code?: unknown }).code;
  if (typeof errno === "string" && /^E[A-Z]+$/.test(errno)) return true;
  return (
    err instanceof Error &&
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout/.test(err.message)
  );
}
