import { fromBinary } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { MemoryFilterSchema } from "../../gen/ts/engram/v1/memory_pb.js";
import { ApiKeyEntity } from "../auth/api-key.entity.js";
import type { Viewer } from "../auth/principal.js";
import { ChangeLogRepository } from "../feed/change-log.repository.js";
import { shownChanges } from "../feed/shown-changes.js";
import { loggableError } from "../logger.js";
import { quietly } from "../telemetry/spans.js";
import { toFilterQuery } from "../memory/filter-query.js";
import type { SuccessorNames } from "../memory/successors.js";
import { DISABLE_AFTER, retryDelayMs } from "./backoff.js";
import { deliveryMessage } from "./delivery-body.js";
import { DeliveryRepository } from "./delivery.repository.js";
import { attempt } from "./attempt.js";
import { checkWebhookUrl, type Resolver } from "./url-policy.js";
import type { WebhookRow } from "./webhook.entity.js";

/** How often a server forgets old delivery attempts. */
const PRUNE_EVERY_MS = 10 * 60_000;

export interface DelivererOptions {
  em: EntityManager;
  logger: Logger;
  /** This server, as the webhooks it leases name it. */
  owner: string;
  allowPrivate: boolean;
  resolve: Resolver;
  /** What each change may name to the webhook's key (successors.ts), as WatchMemories names it. */
  successors: SuccessorNames;
  pollMs?: number;
  timeoutMs?: number;
  /** Changes read per webhook per turn. */
  batch?: number;
  retryDelay?: (consecutiveFailures: number) => number;
  /** Consecutive failures after which a webhook is disabled (backoff.ts's DISABLE_AFTER). */
  disableAfter?: number;
  /** While true (the embedded disk nearly full) nothing is delivered: each delivery writes its log. */
  paused?: () => boolean;
}

/** Delivers each webhook's changes in order, one server per webhook at a time, until stopped. */
export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private turn: Promise<void> = Promise.resolve();
  private stopped = false;
  private prunedAt = 0;

  constructor(private readonly o: DelivererOptions) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.turn;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.turn = this.deliverDue()
        .catch((err: unknown) => this.o.logger.warn({ error: loggableError(err) }, "webhook delivery failed"))
        .finally(() => this.schedule(this.o.pollMs ?? 500));
    }, ms);
  }

  private async deliverDue(): Promise<void> {
    if (this.o.paused?.() === true) return;
    const repository = new DeliveryRepository(this.o.em.fork());
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await repository.prune(new Date());
    }
    const due = await quietly(() => repository.claimDue(this.o.owner, 10));
    for (const webhook of due) {
      if (this.stopped) return;
      await this.deliver(webhook);
    }
  }

  private async deliver(webhook: WebhookRow): Promise<void> {
    const em = this.o.em.fork();
    const deliveries = new DeliveryRepository(em);
    const viewer = await viewerOf(em, webhook);
    if (viewer === null) {
      await deliveries.failed(webhook, this.o.owner, new Date(), "the key that created it was revoked");
      return;
    }
    const log = new ChangeLogRepository(em);
    const head = await log.head(webhook.workspaceId);
    const batch = this.o.batch ?? 50;
    const filter = toFilterQuery(fromBinary(MemoryFilterSchema, webhook.filter));
    const range = { after: webhook.position, upto: head.last };
    const page = head.last > webhook.position ? await log.changes({ viewer, range, filter, limit: batch }) : null;
    if (page === null || page.changes.length === 0) {
      if (page !== null) await deliveries.advance(webhook, this.o.owner, head.last, new Date());
      await deliveries.release(webhook, this.o.owner);
      return;
    }
    const verdict = await checkWebhookUrl(webhook.url, this.o.allowPrivate, this.o.resolve);
    let failures = webhook.consecutiveFailures;
    for (const change of await shownChanges(this.o.successors, viewer, page.changes)) {
      const message = deliveryMessage(webhook.id, change);
      const now = new Date();
      const sent = await attempt(verdict, webhook.secret, message, now, this.o.timeoutMs ?? 10_000);
      await deliveries.record(webhook, message, sent, failures + 1, now);
      if (sent.outcome !== "delivered") {
        failures += 1;
        const retryAt = new Date(Date.now() + (this.o.retryDelay ?? retryDelayMs)(failures));
        const disabled =
          failures >= (this.o.disableAfter ?? DISABLE_AFTER) ? `${failures} deliveries in a row failed` : null;
        await deliveries.failed({ ...webhook, consecutiveFailures: failures - 1 }, this.o.owner, retryAt, disabled);
        return;
      }
      failures = 0;
      await deliveries.advance(webhook, this.o.owner, change.position, new Date());
    }
    // A short page read every change up to the head the creating key may see.
    if (page.changes.length < batch) await deliveries.advance(webhook, this.o.owner, head.last, new Date());
    await deliveries.release(webhook, this.o.owner);
  }
}

/** Whose eyes the webhook looks through: its creating key's, or null once that key is revoked. */
async function viewerOf(em: EntityManager, webhook: WebhookRow): Promise<Viewer | null> {
  const key = await em.findOne(ApiKeyEntity, { id: webhook.createdByKeyId }, { disableIdentityMap: true });
  if (key === null || key.revokeTime !== null || key.workspaceId !== webhook.workspaceId) return null;
  return {
    workspaceId: key.workspaceId,
    agentId: key.agentId ?? null,
    admin: key.scopes.includes("admin"),
    keyId: key.id,
  };
}
