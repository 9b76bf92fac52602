import type { EntityManager } from "@mikro-orm/sql";
import type { ListMemoryRevisionsRequest } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../auth/principal.js";
import { memoryNotFound } from "../errors/domain-error.js";
import type { BoundedRows } from "../memory/content-bounded-page.js";
import type { ListQuery } from "../memory/filters.js";
import { tokenScope, type PageTokens } from "../memory/page-token.js";
import type { MemoryRecord } from "../memory/record.js";
import type { SuccessorNames } from "../memory/successors.js";
import { pageSizeOf } from "../paging.js";
import type { MemoryRevisionRepository, StoredRevision } from "./revision.repository.js";

/** A page of a memory's revisions, newest first. */
export interface RevisionPage {
  revisions: StoredRevision[];
  /** The revision just before the page's oldest, which that one is compared with (null: none). */
  older: StoredRevision | null;
  nextPageToken: string;
}

export interface MemoryHistoryDeps {
  em: EntityManager;
  revisions: (em: EntityManager) => MemoryRevisionRepository;
  pageTokens: PageTokens;
  successors: SuccessorNames;
}

/** What Engram knew of a memory over time: its revisions, and reads as of an instant. */
export class MemoryHistory {
  constructor(private readonly deps: MemoryHistoryDeps) {}

  /** A page of a memory's revisions, newest first; NOT_FOUND for a memory the viewer may not read. */
  async revisions(
    viewer: Viewer,
    req: Pick<ListMemoryRevisionsRequest, "id" | "pageSize" | "pageToken">,
  ): Promise<RevisionPage> {
    const pageSize = pageSizeOf(req.pageSize);
    const tokenQuery = [tokenScope(viewer), "revisions", req.id];
    const before =
      req.pageToken === "" ? null : BigInt(this.deps.pageTokens.decode(req.pageToken, tokenQuery, "revision").value);
    // One more than the page tells whether another follows; one more again is the revision each
    // page's oldest is compared with. A page cut short by its contents' size (contentBounded)
    // may have more after it, and reads the revision its oldest is compared with on its own.
    const read = await this.repository().page({ viewer, id: req.id, before, limit: pageSize + 2 });
    const rows = await this.deps.successors.carriers(viewer, read.rows);
    if (rows.length === 0 && before === null) throw memoryNotFound(req.id);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    const more = rows.length > pageSize || read.cut;
    const nextPageToken =
      more && last !== undefined
        ? this.deps.pageTokens.encode(tokenQuery, { value: String(last.record.revision), id: last.record.id })
        : "";
    const older =
      rows[page.length] ?? (read.cut && last !== undefined ? await this.olderThan(viewer, req.id, last) : null);
    return { revisions: page, older, nextPageToken };
  }

  /** The revision just before `revision` the viewer may see (or its gap), if any. */
  private async olderThan(viewer: Viewer, id: string, revision: StoredRevision): Promise<StoredRevision | null> {
    const { rows } = await this.repository().page({ viewer, id, before: revision.record.revision, limit: 1 });
    return (await this.deps.successors.carriers(viewer, rows))[0] ?? null;
  }

  /** The memory as it was at `asOf`; NOT_FOUND when it did not exist yet, is purged, or the viewer may not read it. */
  async at(viewer: Viewer, id: string, asOf: Date): Promise<MemoryRecord> {
    const record = await this.repository().at({ viewer, id, asOf });
    if (record === null) throw memoryNotFound(id);
    return this.deps.successors.record(viewer, record);
  }

  /** ListMemories as it was at `asOf`. */
  async list(viewer: Viewer, q: ListQuery, asOf: Date): Promise<BoundedRows<MemoryRecord>> {
    const { rows, cut } = await this.repository().list({ viewer, query: q, asOf });
    return { rows: await this.deps.successors.records(viewer, rows), cut };
  }

  private repository(): MemoryRevisionRepository {
    return this.deps.revisions(this.deps.em.fork());
  }
}
