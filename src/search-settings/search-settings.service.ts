import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import {
  GetSearchSettingsResponseSchema,
  ListSearchSettingsRevisionsResponseSchema,
  UpdateSearchSettingsResponseSchema,
  type GetSearchSettingsResponse,
  type ListSearchSettingsRevisionsRequest,
  type ListSearchSettingsRevisionsResponse,
  type UpdateSearchSettingsRequest,
  type UpdateSearchSettingsResponse,
} from "../../gen/ts/engram/v1/search_service_pb.js";
import { principalOf } from "../auth/principal.js";
import { invalidArgument } from "../errors/domain-error.js";
import type { WorkspaceSearchSettings } from "../memory/search/search-request.js";
import { pageSizeOf } from "../paging.js";
import { SearchSettingsCache } from "./search-settings-cache.js";
import { SearchSettingsRepository } from "./search-settings.repository.js";
import { changeOf, settingsInForce, toRevision } from "./settings-in-force.js";

export interface SearchSettingsOptions {
  em: EntityManager;
  now: () => Date;
}

/**
 * A workspace's search settings: read by every search (through a short-lived cache), shown to
 * any reader, changed by an admin, one revision per change (docs/search-settings.md).
 */
export class SearchSettingsService {
  private readonly cache: SearchSettingsCache;

  constructor(private readonly o: SearchSettingsOptions) {
    this.cache = new SearchSettingsCache(async (workspaceId) =>
      settingsInForce(await this.repository().current(workspaceId)),
    );
  }

  /** The settings the workspace's searches use now. */
  inForce(workspaceId: string): Promise<WorkspaceSearchSettings> {
    return this.cache.get(workspaceId);
  }

  async get(ctx: HandlerContext): Promise<GetSearchSettingsResponse> {
    const current = await this.repository().current(principalOf(ctx).workspaceId);
    return create(GetSearchSettingsResponseSchema, { current: toRevision(current) });
  }

  async update(req: UpdateSearchSettingsRequest, ctx: HandlerContext): Promise<UpdateSearchSettingsResponse> {
    const principal = principalOf(ctx);
    const change = changeOf(req.settings, principal.keyId, req.reason);
    const row = await this.repository().append(principal.workspaceId, change, this.o.now(), req.expectedRevision);
    this.cache.forget(principal.workspaceId);
    return create(UpdateSearchSettingsResponseSchema, { current: toRevision(row) });
  }

  async list(
    req: ListSearchSettingsRevisionsRequest,
    ctx: HandlerContext,
  ): Promise<ListSearchSettingsRevisionsResponse> {
    const pageSize = pageSizeOf(req.pageSize);
    const rows = await this.repository().list(
      principalOf(ctx).workspaceId,
      revisionBefore(req.pageToken),
      pageSize + 1,
    );
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return create(ListSearchSettingsRevisionsResponseSchema, {
      revisions: page.map(toRevision),
      nextPageToken: rows.length > pageSize && last !== undefined ? String(last.revision) : "",
    });
  }

  private repository(): SearchSettingsRepository {
    return new SearchSettingsRepository(this.o.em.fork());
  }
}

/** Where a page of revisions starts: below the revision its token names (null: the newest). */
function revisionBefore(pageToken: string): number | null {
  if (pageToken === "") return null;
  if (!/^[1-9]\d{0,8}$/.test(pageToken)) {
    throw invalidArgument("page_token", "INVALID_PAGE_TOKEN", "page_token is not one this server issued");
  }
  return Number(pageToken);
}
