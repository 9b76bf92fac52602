import { Sql, sql } from "../db/sql.js";
import { PAGE_BYTES } from "../paging.js";
import { keysetPage, type ListQuery } from "./filters.js";

/**
 * Rows read for a page. `cut`: they stop at the row that brought their contents to PAGE_BYTES,
 * so more may follow however few they are.
 */
export interface BoundedRows<T> {
  rows: T[];
  cut: boolean;
}

/**
 * `select columns from rest` (rest: FROM ... ORDER BY ... LIMIT, in the order `order` names by
 * the columns' own names), bounded in bytes as well as rows: the rows stop at the one whose
 * `content` brings theirs to PAGE_BYTES. The sizes are stored lengths, known without reading a
 * value, so rows past the cut are never read. The sum runs over the limited rows, outside their
 * statement: inside, the planner could no longer keep only the first rows of a sort (a tag
 * matching 50,000 memories would be sorted whole). It adds one column: on PGlite each value a
 * statement returns costs time, and a page of 100 memories was 5 ms slower with four more.
 */
export function contentBounded(columns: Sql, rest: Sql, { order, content }: { order: Sql; content: Sql }): Sql {
  return sql`select * from (select page_rows.*,
        sum(octet_length(${content})) over (order by ${order} rows between unbounded preceding and current row)
          as page_bytes_through
      from (select ${columns} from ${rest}) page_rows) page
    where page_bytes_through - octet_length(${content}) < ${PAGE_BYTES} order by ${order}`;
}

/** ListMemories' keyset page (keysetPage) of `columns` from `from`, bounded by its contents' bytes. */
export function contentBoundedPage(q: ListQuery, columns: Sql, from: Sql, where: Sql[]): Sql {
  const direction = q.order.descending ? "desc" : "asc";
  return contentBounded(columns, sql`${from} ${keysetPage(q, where)}`, {
    order: Sql.raw(`${q.order.field} ${direction}, id ${direction}`),
    content: sql`content`,
  });
}

/** The rows of a contentBounded statement as records, and whether they were cut. */
export function boundedRows<R extends BoundedColumns, T>(rows: R[], map: (row: R) => T): BoundedRows<T> {
  const last = rows.at(-1);
  return { rows: rows.map(map), cut: last !== undefined && Number(last.page_bytes_through) >= PAGE_BYTES };
}

/** The column contentBounded adds to a row: the bytes of its content and all before it. */
export interface BoundedColumns {
  page_bytes_through: number | string;
}
