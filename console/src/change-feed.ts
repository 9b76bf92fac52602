import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useState } from "preact/hooks";
import { MemoryChange, type MemoryFilterSchema } from "../../gen/ts/engram/v1/memory_pb.js";
import type { ChangeEvent } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { shownError, type Api, type ShownError } from "./api.js";

export type WatchFilter = MessageInitShape<typeof MemoryFilterSchema>;

/** The most changes a feed holds: a tab left open all day must not grow without end. */
export const MAX_CHANGES = 500;
/** The first retry comes soon (a restarting server is back in seconds); each failure doubles it. */
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 15_000;
/** Refusals that the same request, retried, only gets again: the person has to change something. */
const FINAL_CODES = new Set([Code.InvalidArgument, Code.PermissionDenied, Code.Unauthenticated]);

export type FeedStatus =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "reconnecting"; error: ShownError; retryMs: number }
  | { state: "stopped"; error: ShownError };

export interface Feed {
  /** Newest first, at most MAX_CHANGES. */
  changes: ChangeEvent[];
  /** The last cursor the server sent: where a reconnect resumes. Empty until the stream opens. */
  cursor: string;
  status: FeedStatus;
  /** The cursor that had expired when the feed last restarted from now, or null: what may be missing. */
  expiredCursor: string | null;
}

interface FeedEvents {
  heartbeat(cursor: string): void;
  change(change: ChangeEvent): void;
  retrying(error: ShownError, retryMs: number): void;
  stopped(error: ShownError): void;
  expired(cursor: string): void;
}

/** A feed as it starts: nothing received yet. */
function starting(filter: WatchFilter): Feed & { filter: WatchFilter } {
  return { filter, changes: [], cursor: "", status: { state: "connecting" }, expiredCursor: null };
}

const LIVE: FeedStatus = { state: "live" };

/**
 * WatchMemories with `filter`, from now, for as long as the view shows it: a new filter (a new
 * object) or leaving the view aborts the stream. A dropped stream is opened again after the
 * last cursor received, so the changes made meanwhile still arrive, in order.
 */
export function useChangeFeed(api: Api, filter: WatchFilter): Feed {
  const [feed, setFeed] = useState(() => starting(filter));

  useEffect(() => {
    const abort = new AbortController();
    setFeed(starting(filter));
    const update = (next: Partial<Feed>) => setFeed((shown) => ({ ...shown, ...next }));
    void follow(api, filter, abort.signal, {
      heartbeat: (cursor) => update({ cursor, status: LIVE }),
      change: (change) =>
        setFeed((shown) => ({
          ...shown,
          cursor: change.cursor,
          status: LIVE,
          changes: [change, ...shown.changes.filter((c) => !erases(change, c))].slice(0, MAX_CHANGES),
        })),
      retrying: (error, retryMs) => update({ status: { state: "reconnecting", error, retryMs } }),
      stopped: (error) => update({ status: { state: "stopped", error } }),
      expired: (cursor) => update({ expiredCursor: cursor, status: { state: "connecting" } }),
    });
    return () => abort.abort();
  }, [api, filter]);

  // Until the effect has opened the new filter's stream, what the old one showed (its changes,
  // "live") is not true of this one.
  return feed.filter === filter ? feed : starting(filter);
}

async function follow(api: Api, filter: WatchFilter, signal: AbortSignal, on: FeedEvents): Promise<void> {
  let afterCursor = "";
  let retryMs = FIRST_RETRY_MS;
  while (!signal.aborted) {
    let failure: unknown;
    try {
      for await (const { event } of api.memories.watchMemories({ filter, afterCursor }, { signal })) {
        // A message that raced the abort belongs to a feed no longer shown.
        if (signal.aborted || event.case === undefined) continue;
        afterCursor = event.value.cursor;
        retryMs = FIRST_RETRY_MS;
        if (event.case === "change") on.change(event.value);
        else on.heartbeat(event.value.cursor);
      }
      // The server ends a stream only with an error; a proxy may end one quietly. Either way, resume.
      failure = new ConnectError("the server closed the stream", Code.Unavailable);
    } catch (err) {
      failure = err;
    }
    if (signal.aborted) return;
    const error = shownError(failure);
    if (error.reason === "CURSOR_EXPIRED" && afterCursor !== "") {
      // The log no longer reaches back to our cursor: only starting from now can work.
      on.expired(afterCursor);
      afterCursor = "";
      continue;
    }
    if (FINAL_CODES.has(ConnectError.from(failure).code)) {
      on.stopped(error);
      return;
    }
    on.retrying(error, retryMs);
    await pause(retryMs, signal);
    retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (leaving the view must not wait out a retry). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** An erasure's tombstone takes the feed's earlier changes of its memory with it: they are gone for good. */
function erases(tombstone: ChangeEvent, earlier: ChangeEvent): boolean {
  return tombstone.change === MemoryChange.ERASED && earlier.memory?.id === tombstone.memory?.id;
}
