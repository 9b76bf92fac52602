import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import { successorNamesOf } from "../memory/successors.js";
import { WebhookDeliverer } from "../webhooks/deliverer.js";
import { systemResolver } from "../webhooks/url-policy.js";

/** This server's webhook deliverer, started: one lease owner per process, named anew at each start. */
export function startWebhookDeliverer(
  em: EntityManager,
  logger: Logger,
  allowPrivate: boolean,
  paused: () => boolean,
): WebhookDeliverer {
  const owner = randomUUID();
  const deliverer = new WebhookDeliverer({
    em,
    logger,
    owner,
    allowPrivate,
    paused,
    resolve: systemResolver,
    successors: successorNamesOf(em),
  });
  deliverer.start();
  return deliverer;
}
