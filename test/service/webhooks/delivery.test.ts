/**
 * Webhook delivery over the change feed (both engines), to a real HTTP receiver: signed as
 * Standard Webhooks says (checked by its reference library), in order, retried after failures
 * and a receiver that hangs, resumed from the webhook's position after a stop, delivered once
 * with two deliverers on one database, and only what the creating key may read.
 */
import { randomUUID } from "node:crypto";
import pino from "pino";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { Scope } from "../../../src/auth/principal.js";
import { successorNamesOf } from "../../../src/memory/successors.js";
import { systemResolver } from "../../../src/webhooks/url-policy.js";
import { WebhookDeliverer, type DelivererOptions } from "../../../src/webhooks/deliverer.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

let services: ServiceHarness;
let receiver: WebhookReceiver;
const deliverers: WebhookDeliverer[] = [];

beforeAll(async () => {
  services = await startServices({ webhookAllowPrivate: true });
});
afterAll(() => services.close());
afterEach(async () => {
  await Promise.all(deliverers.splice(0).map((d) => d.stop()));
  await receiver?.close();
});

function deliverer(overrides: Partial<DelivererOptions> = {}): WebhookDeliverer {
  const started = new WebhookDeliverer({
    em: services.db.em,
    logger: pino({ level: "silent" }),
    owner: randomUUID(),
    allowPrivate: true,
    resolve: systemResolver,
    successors: successorNamesOf(services.db.em),
    pollMs: 50,
    timeoutMs: 2_000,
    retryDelay: () => 100,
    ...overrides,
  });
  started.start();
  deliverers.push(started);
  return started;
}

/** A real key of a workspace of its own, and a webhook it created to the receiver. */
async function aWebhook(scopes: Scope[] = ["memory:read", "memory:write"], agentId: string | null = null) {
  const workspaceId = `ws-${randomUUID()}`;
  const { record } = await services.keys.create({ workspaceId, displayName: "hooks", scopes, agentId });
  const caller = { keyId: record.id, workspaceId, scopes, ...(agentId === null ? {} : { agentId }) };
  const { webhook, secret } = await services.webhooks(caller).createWebhook({ webhook: { url: receiver.url } });
  return { caller, secret, id: webhook?.id ?? "" };
}

async function write(caller: Parameters<ServiceHarness["memories"]>[0], content: string, visibility?: Visibility) {
  await services.memories(caller).writeMemory({
    memory: { subjectType: "contact", subjectId: "ana", kind: "note", content, ...(visibility ? { visibility } : {}) },
  });
  await services.sequencer.kick();
}

const bodies = (received: { body: string }[]) =>
  received.map((r) => JSON.parse(r.body) as { type: string; data: { memory?: { content?: string } } });

describe("webhook delivery", () => {
  it("delivers each change once, in order, signed so that Standard Webhooks' library verifies it", async () => {
    receiver = await startWebhookReceiver();
    const { caller, secret } = await aWebhook();
    deliverer();
    for (const content of ["Ana prefers calls", "Ana moved to Lyon", "Ana renews in March"])
      await write(caller, content);
    const received = await receiver.waitFor(3);
    for (const r of received) expect(() => new Webhook(secret).verify(r.body, r.headers)).not.toThrow();
    expect(bodies(received).map((b) => [b.type, b.data.memory?.content])).toEqual([
      ["memory.created", "Ana prefers calls"],
      ["memory.created", "Ana moved to Lyon"],
      ["memory.created", "Ana renews in March"],
    ]);
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(3);
  });

  it("retries a failing or hanging receiver with the same message id until it takes the change", async () => {
    receiver = await startWebhookReceiver();
    receiver.behave((n) => (n === 0 ? 500 : n === 1 ? "hang" : 200));
    const { caller, id } = await aWebhook();
    deliverer();
    await write(caller, "Ana asked for a discount");
    const received = await receiver.waitFor(3);
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(3);
    const log = await services.webhooks(caller).listWebhookDeliveries({ id });
    expect(log.deliveries.map((d) => [d.attempt, d.outcome, d.statusCode])).toEqual([
      [3, "delivered", 200],
      [2, "timed_out", 0],
      [1, "failed", 500],
    ]);
    expect(log.deliveries[0]?.cursor).not.toBe("");
  });

  it("TestWebhook sends a signed ping now and answers how the receiver took it", async () => {
    receiver = await startWebhookReceiver();
    receiver.behave(() => 204);
    const { caller, secret, id } = await aWebhook();
    const { delivery } = await services.webhooks(caller).testWebhook({ id });
    expect(delivery).toMatchObject({ eventType: "webhook.ping", statusCode: 204, outcome: "delivered", attempt: 1 });
    const [ping] = receiver.received;
    expect(new Webhook(secret).verify(ping?.body ?? "", ping?.headers ?? {})).toMatchObject({ type: "webhook.ping" });
  });

  it("resumes from its position after a stop, and two deliverers deliver each change once", async () => {
    receiver = await startWebhookReceiver();
    const { caller } = await aWebhook();
    const first = deliverer();
    await write(caller, "one");
    await receiver.waitFor(1);
    await first.stop();
    for (const content of ["two", "three", "four"]) await write(caller, content);
    deliverer();
    deliverer();
    await receiver.waitFor(4);
    await new Promise((r) => setTimeout(r, 400));
    expect(bodies(receiver.received).map((b) => b.data.memory?.content)).toEqual(["one", "two", "three", "four"]);
  });

  it("disables a webhook after its run of failures, saying why, and enabling it delivers again", async () => {
    receiver = await startWebhookReceiver();
    receiver.behave((n) => (n < 3 ? 503 : 200));
    const { caller, id } = await aWebhook();
    deliverer({ disableAfter: 3 });
    await write(caller, "Ana wants a call back");
    await receiver.waitFor(3);
    await new Promise((r) => setTimeout(r, 300));
    const { webhook } = await services.webhooks(caller).getWebhook({ id });
    expect(webhook).toMatchObject({ enabled: false, disabledReason: "3 deliveries in a row failed" });
    expect(receiver.received).toHaveLength(3);
    await services
      .webhooks(caller)
      .updateWebhook({ id, webhook: { enabled: true }, updateMask: { paths: ["enabled"] } });
    await receiver.waitFor(4);
    expect((await services.webhooks(caller).getWebhook({ id })).webhook?.consecutiveFailures).toBe(0);
  });

  it("stops when the key that created it is revoked", async () => {
    receiver = await startWebhookReceiver();
    const { caller, id } = await aWebhook();
    await services.keys.revoke(caller.workspaceId, caller.keyId);
    deliverer();
    await write({ ...caller, keyId: randomUUID() }, "written after the revocation");
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.received).toEqual([]);
    const { webhook } = await services.webhooks({ ...caller, scopes: ["admin"] }).getWebhook({ id });
    expect(webhook).toMatchObject({ enabled: false, disabledReason: "the key that created it was revoked" });
  });

  it("delivers only what the creating key may read", async () => {
    receiver = await startWebhookReceiver();
    const { caller } = await aWebhook(["memory:read", "memory:write"], "agent-a");
    deliverer();
    const other = { ...caller, keyId: randomUUID(), agentId: "agent-b" };
    await write(other, "agent b's private note", Visibility.PRIVATE);
    await write(other, "agent b's shared note", Visibility.SHARED);
    await write(caller, "agent a's own note", Visibility.PRIVATE);
    await receiver.waitFor(2);
    await new Promise((r) => setTimeout(r, 400));
    expect(bodies(receiver.received).map((b) => b.data.memory?.content)).toEqual([
      "agent b's shared note",
      "agent a's own note",
    ]);
  });

  it("names a successor only to a key that may read it, as WatchMemories does", async () => {
    receiver = await startWebhookReceiver();
    const { caller } = await aWebhook(["memory:read", "memory:write"], "agent-b");
    deliverer();
    const a = services.memories({ ...caller, keyId: randomUUID(), agentId: "agent-a" });
    const memory = (content: string, visibility: Visibility) => ({
      subjectType: "contact",
      subjectId: "ana",
      kind: "note",
      content,
      visibility,
    });
    const { memory: old } = await a.writeMemory({ memory: memory("Ana works at Globex", Visibility.SHARED) });
    const { memory: next } = await a.writeMemory({
      memory: memory("Ana moved to Initech", Visibility.PRIVATE),
      supersedes: [old?.id ?? ""],
    });
    await services.sequencer.kick();
    const received = await receiver.waitFor(2);
    const [, superseded] = bodies(received) as { type: string; data: { memory?: { supersededBy?: string } } }[];
    expect(superseded?.type).toBe("memory.superseded");
    expect(received.map((r) => r.body).join("\n")).not.toContain(next?.id ?? "none");
  });
});
