import { DomainError } from "../errors/domain-error.js";
import type { FeedHead } from "./change-log.repository.js";

/** A resumed cursor must lie within what the log still holds, and not beyond what it ever held. */
export function checkCursor(after: bigint, head: FeedHead): void {
  if (after < head.purgedThrough) throw cursorExpired();
  if (after > head.last) {
    throw new DomainError(
      "failed_precondition",
      "CURSOR_EXPIRED",
      "after_cursor is ahead of this workspace's change log (from another deployment, or a database restored from a backup): list, then watch from the list's watch_cursor",
    );
  }
}

export function cursorExpired(): DomainError {
  return new DomainError(
    "failed_precondition",
    "CURSOR_EXPIRED",
    "after_cursor is older than the change log keeps: list, then watch from the list's watch_cursor",
  );
}

export function shuttingDown(): DomainError {
  return new DomainError(
    "unavailable",
    "SHUTTING_DOWN",
    "the server is shutting down: watch again from your last cursor, here once it is back or on another server",
  );
}

/** A stream's read of the change log failed (a lost connection, a restarting database): retryable. */
export function logUnreadable(): DomainError {
  return new DomainError(
    "unavailable",
    "CHANGE_LOG_UNREADABLE",
    "the change log could not be read just now: watch again from your last cursor",
  );
}
