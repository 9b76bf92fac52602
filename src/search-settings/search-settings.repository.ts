import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { query, sql } from "../db/sql.js";
import { DomainError } from "../errors/domain-error.js";
import { SearchSettingsRevisionEntity, type SearchSettingsRevisionRow } from "./search-settings-revision.entity.js";

/** A new revision's content: what the change sets, who made it and why. */
export type SettingsChange = Omit<SearchSettingsRevisionRow, "workspaceId" | "revision" | "updateTime">;

/** Reads and appends of `search_settings_revisions`, always within one workspace. */
export class SearchSettingsRepository extends SqlEntityRepository<SearchSettingsRevisionRow> {
  constructor(em: EntityManager) {
    super(em, SearchSettingsRevisionEntity);
  }

  /** The revision in force: the newest, or null while the workspace has none. */
  async current(workspaceId: string): Promise<SearchSettingsRevisionRow | null> {
    const [row] = await this.find(
      { workspaceId },
      { orderBy: { revision: "desc" }, limit: 1, disableIdentityMap: true },
    );
    return row ?? null;
  }

  /** The workspace's revisions below `before` (null: from the newest), newest first. */
  async list(workspaceId: string, before: number | null, limit: number): Promise<SearchSettingsRevisionRow[]> {
    return this.find(
      { workspaceId, ...(before === null ? {} : { revision: { $lt: before } }) },
      { orderBy: { revision: "desc" }, limit, disableIdentityMap: true },
    );
  }

  /**
   * Adds the next revision, under a lock on the workspace's settings so that two changes never
   * take one number; with `expected`, only when the revision in force is that one (ABORTED
   * otherwise). Returns the revision added.
   */
  async append(
    workspaceId: string,
    change: SettingsChange,
    now: Date,
    expected: number | undefined,
  ): Promise<SearchSettingsRevisionRow> {
    return this.em.transactional(async (tem) => {
      await query(tem, sql`select pg_advisory_xact_lock(${SETTINGS_LOCK}, hashtext(${workspaceId}))`);
      const current = (await new SearchSettingsRepository(tem).current(workspaceId))?.revision ?? 0;
      if (expected !== undefined && expected !== current) {
        throw new DomainError(
          "aborted",
          "SEARCH_SETTINGS_CHANGED",
          `the search settings are at revision ${current}, not ${expected}: read them again`,
        );
      }
      const row = { ...change, workspaceId, revision: current + 1, updateTime: now };
      await tem.insert(SearchSettingsRevisionEntity, row);
      return row;
    });
  }
}

/** The first key of the workspace's settings lock (the second is its id's hash): "engram search settings". */
const SETTINGS_LOCK = 0x5e77;
