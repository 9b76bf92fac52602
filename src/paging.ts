import { invalidArgument } from "./errors/domain-error.js";
import { isUuid } from "./ids.js";

/** A List call's page when it names no page_size (each List request's proto says so). */
export const DEFAULT_PAGE_SIZE = 50;
/** The largest page_size the protos accept. */
export const MAX_PAGE_SIZE = 500;

/**
 * The most bytes of content a List page holds before its last item: a page ends early at the
 * item that brings it to this, and its next_page_token goes on from there. Page sizes count
 * items, and 500 memories of 50,000 four-byte characters are 100 MB, held several times over in
 * the server's heap while the page is read, encoded and sent; a staged write can be tens of MB.
 */
export const PAGE_BYTES = 4 * 1024 * 1024;

/** The page size a List request asks for: DEFAULT_PAGE_SIZE for 0 (not given). */
export function pageSizeOf(requested: number): number {
  return requested === 0 ? DEFAULT_PAGE_SIZE : requested;
}

/**
 * Where a page whose token is the last row's id (API keys, staged writes) starts: null for
 * the first page. Anything but an id is no token this server issued.
 */
export function idAfter(pageToken: string): string | null {
  if (pageToken === "") return null;
  if (!isUuid(pageToken)) {
    throw invalidArgument("page_token", "INVALID_PAGE_TOKEN", "page_token is not one this server issued");
  }
  return pageToken;
}

/** Rows read one past the page: the page, and the id-token of the next one ("" when none follows). */
export function idPage<T extends { id: string }>(
  rows: readonly T[],
  pageSize: number,
): { page: T[]; nextPageToken: string } {
  const page = rows.slice(0, pageSize);
  return { page, nextPageToken: rows.length > pageSize ? (page.at(-1)?.id ?? "") : "" };
}
