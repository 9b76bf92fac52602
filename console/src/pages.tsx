import { useState } from "preact/hooks";
import { shownError, type ShownError } from "./api.js";

/** One page of a list and the server's token for the next (empty on the last). */
export interface Page<T> {
  rows: T[];
  next: string;
}

/**
 * A list read page by page with the server's page tokens, as every list view reads one: the
 * pages seen so far (so "First page" can go back), the rows shown, and the error of the last
 * read. `read` is called with the current filters of the view that renders it.
 */
export function usePages<T>(read: (pageToken: string) => Promise<Page<T>>) {
  const [rows, setRows] = useState<T[] | null>(null);
  const [pages, setPages] = useState<string[]>([""]);
  const [next, setNext] = useState("");
  const [error, setError] = useState<ShownError | null>(null);

  const load = async (pageToken: string, trail: string[]) => {
    setError(null);
    try {
      const page = await read(pageToken);
      setRows(page.rows);
      setNext(page.next);
      setPages(trail);
    } catch (err) {
      setError(shownError(err));
    }
  };
  const first = () => void load("", [""]);
  const pager = (
    <div class="pager">
      <button type="button" disabled={pages.length <= 1} onClick={first}>
        First page
      </button>
      <span>Page {pages.length}</span>
      <button type="button" disabled={next === ""} onClick={() => void load(next, [...pages, next])}>
        Next page
      </button>
    </div>
  );
  return { rows, error, first, pager };
}
