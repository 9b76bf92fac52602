import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import { query, sql } from "../db/sql.js";
import { WebhookDeliveryEntity, WebhookEntity, type WebhookDeliveryRow, type WebhookRow } from "./webhook.entity.js";
import type { Attempt } from "./sender.js";
import type { DeliveryMessage } from "./delivery-body.js";

/** How long the delivery log keeps an attempt. */
export const DELIVERY_LOG_DAYS = 7;

/** How long a server holds a webhook it delivers; renewed with every message, taken over once it lapses. */
export const LEASE_SECONDS = 60;

/** The delivery side of `webhooks` and `webhook_deliveries`: leases, positions, failures, the log. */
export class DeliveryRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Up to `limit` enabled webhooks due now, behind their workspace's feed, that no other server
   * holds, leased to `owner`: each webhook is delivered by one server at a time, so its changes
   * go out once and in order.
   */
  async claimDue(owner: string, limit: number): Promise<WebhookRow[]> {
    const takeable = sql`enabled and next_attempt_time <= now() and (lease_until is null or lease_until < now())`;
    const due = await query<{ workspace_id: string; id: string }>(
      this.em,
      sql`select workspace_id, id from webhooks
        where ${takeable}
          -- Only webhooks the feed has moved past: an idle one is never touched.
          and position < (select h.last_position from memory_feed_heads h where h.workspace_id = webhooks.workspace_id)
        order by next_attempt_time limit ${limit}`,
    );
    if (due.length === 0) return [];
    // Read, then leased only where still takeable: of two servers that read the same webhook, the
    // second's update waits for the first's and then finds it leased. No FOR UPDATE across
    // workspaces, which Citus refuses on tables it distributes by workspace.
    const rows = await query<{ workspace_id: string; id: string }>(
      this.em,
      sql`update webhooks set lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
        where (workspace_id, id) in (select * from unnest(${due.map((d) => d.workspace_id)}::text[], ${due.map((d) => d.id)}::uuid[]))
          and ${takeable}
        returning workspace_id, id`,
    );
    if (rows.length === 0) return [];
    return this.em.find(
      WebhookEntity,
      { $or: rows.map((r) => ({ workspaceId: r.workspace_id, id: r.id })) },
      { disableIdentityMap: true },
    );
  }

  /** Delivered through `position`: the lease is renewed, the failures forgiven. */
  async advance(webhook: WebhookRow, owner: string, position: bigint, now: Date): Promise<void> {
    await this.em.nativeUpdate(
      WebhookEntity,
      { workspaceId: webhook.workspaceId, id: webhook.id, leaseOwner: owner },
      {
        position,
        consecutiveFailures: 0,
        lastDeliveryTime: now,
        leaseUntil: new Date(now.getTime() + LEASE_SECONDS * 1000),
      },
    );
  }

  /** A failed attempt: tried again at `retryAt`, or disabled with `disabledReason`. */
  async failed(webhook: WebhookRow, owner: string, retryAt: Date, disabledReason: string | null): Promise<void> {
    await this.em.nativeUpdate(
      WebhookEntity,
      { workspaceId: webhook.workspaceId, id: webhook.id, leaseOwner: owner },
      {
        consecutiveFailures: webhook.consecutiveFailures + 1,
        nextAttemptTime: retryAt,
        leaseOwner: null,
        leaseUntil: null,
        ...(disabledReason === null ? {} : { enabled: false, disabledReason }),
      },
    );
  }

  async release(webhook: WebhookRow, owner: string): Promise<void> {
    await this.em.nativeUpdate(
      WebhookEntity,
      { workspaceId: webhook.workspaceId, id: webhook.id, leaseOwner: owner },
      { leaseOwner: null, leaseUntil: null },
    );
  }

  /** Forgets attempts older than the log keeps, a bounded number at a time. */
  async prune(now: Date): Promise<void> {
    const before = new Date(now.getTime() - DELIVERY_LOG_DAYS * 86_400_000);
    await query(
      this.em,
      sql`delete from webhook_deliveries where (workspace_id, id) in (
        select workspace_id, id from webhook_deliveries where attempt_time < ${before} limit 1000)`,
    );
  }

  /** A webhook's log, newest first, after the delivery `beforeId` names (ids are time-ordered). */
  async listNewestFirst(webhook: WebhookRow, beforeId: string | null, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.em.find(
      WebhookDeliveryEntity,
      {
        workspaceId: webhook.workspaceId,
        webhookId: webhook.id,
        ...(beforeId === null ? {} : { id: { $lt: beforeId } }),
      },
      { orderBy: { id: "desc" }, limit, disableIdentityMap: true },
    );
  }

  async record(webhook: WebhookRow, message: DeliveryMessage, attempt: Attempt, number: number, at: Date) {
    await this.em.insert(WebhookDeliveryEntity, {
      workspaceId: webhook.workspaceId,
      id: uuidv7(),
      webhookId: webhook.id,
      messageId: message.messageId,
      eventType: message.eventType,
      memoryId: message.memoryId === "" ? null : message.memoryId,
      position: message.position < 0n ? null : message.position,
      attempt: number,
      statusCode: attempt.statusCode,
      outcome: attempt.outcome,
      error: attempt.error.slice(0, 500),
      durationMs: attempt.durationMs,
      attemptTime: at,
    });
  }
}
