import type { Logger } from "pino";
import type { Viewer } from "../auth/principal.js";
import { DomainError } from "../errors/domain-error.js";
import { loggableError } from "../logger.js";
import type { FilterQuery } from "../memory/filters.js";
import type { ChangeLogRepository, LoggedChange, LogPage } from "./change-log.repository.js";
import type { SuccessorNames } from "../memory/successors.js";
import { cursorExpired, logUnreadable } from "./feed-errors.js";
import { shownChanges } from "./shown-changes.js";

/** Matching changes read per query: what a stream holds in memory at most, however slow its reader. */
export const PAGE = 100;

/**
 * The streams' reads of the change log. A page read once the log was purged past where it
 * starts may lack changes: the stream ends with CURSOR_EXPIRED rather than skip them (the
 * sweeper can overtake a slow catch-up between two pages). Whatever the database throws ends
 * the stream with UNAVAILABLE, the status clients retry on from their cursor.
 */
export class LogReads {
  /** Reads in flight, by what they read: streams woken together at one cursor with one filter share one. */
  private readonly inFlight = new Map<string, Promise<LogPage>>();

  constructor(
    private readonly logger: Logger,
    /** What each change may name to its readers (successors.ts). */
    private readonly successors: SuccessorNames,
  ) {}

  async page(
    changeLog: ChangeLogRepository,
    viewer: Viewer,
    range: { after: bigint; upto: bigint },
    filter: FilterQuery,
  ): Promise<LoggedChange[]> {
    // What decides the rows: whose eyes (not which key), the range and the filter.
    const { workspaceId, agentId, admin } = viewer;
    const key = JSON.stringify([workspaceId, agentId, admin, String(range.after), String(range.upto), filter]);
    let read = this.inFlight.get(key);
    if (read === undefined) {
      read = this.fromLog(async () => {
        const page = await changeLog.changes({ viewer, range, filter, limit: PAGE });
        return { ...page, changes: await shownChanges(this.successors, viewer, page.changes) };
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, read);
    }
    const { changes, purgedThrough } = await read;
    if (range.after < purgedThrough) throw cursorExpired();
    return changes;
  }

  /** A stream's read of the database, its failure logged once and answered UNAVAILABLE. */
  async fromLog<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      // A bug of ours stays INTERNAL: retrying from the cursor would only meet it again.
      if (err instanceof DomainError || isProgrammingError(err)) throw err;
      this.logger.warn({ error: loggableError(err) }, "a WatchMemories stream could not read the change log");
      throw logUnreadable();
    }
  }
}

/** The errors JavaScript raises for code that is wrong, not for a database that failed. */
function isProgrammingError(err: unknown): boolean {
  return (
    err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError
  );
}
