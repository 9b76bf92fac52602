import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { WebhookEntity, type WebhookRow } from "./webhook.entity.js";

/** Whose webhooks a caller sees: an admin every one of the workspace, any other key its own. */
export interface WebhookOwner {
  workspaceId: string;
  /** null: every key's (an admin). */
  keyId: string | null;
}

/** Reads and writes of `webhooks`, always within one workspace and owner. */
export class WebhookRepository extends SqlEntityRepository<WebhookRow> {
  constructor(em: EntityManager) {
    super(em, WebhookEntity);
  }

  async add(row: WebhookRow): Promise<WebhookRow> {
    await this.em.insert(WebhookEntity, row);
    return row;
  }

  async findOwned(owner: WebhookOwner, id: string): Promise<WebhookRow | null> {
    return this.findOne({ ...ownedBy(owner), id }, { disableIdentityMap: true });
  }

  async listOwned(owner: WebhookOwner, afterId: string | null, limit: number): Promise<WebhookRow[]> {
    return this.find(
      { ...ownedBy(owner), ...(afterId === null ? {} : { id: { $gt: afterId } }) },
      { orderBy: { id: "asc" }, limit, disableIdentityMap: true },
    );
  }

  /** The webhook with `changes` applied, or null when the owner has no such webhook. */
  async updateOwned(owner: WebhookOwner, id: string, changes: Partial<WebhookRow>): Promise<WebhookRow | null> {
    const updated = await this.nativeUpdate({ ...ownedBy(owner), id }, changes);
    return updated === 0 ? null : this.findOwned(owner, id);
  }

  async deleteOwned(owner: WebhookOwner, id: string): Promise<boolean> {
    return (await this.nativeDelete({ ...ownedBy(owner), id })) > 0;
  }
}

function ownedBy(owner: WebhookOwner) {
  return { workspaceId: owner.workspaceId, ...(owner.keyId === null ? {} : { createdByKeyId: owner.keyId }) };
}
