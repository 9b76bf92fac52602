/**
 * Webhooks through a real server: created over REST, a write delivered to a real receiver and
 * verified with Standard Webhooks' library, and loopback URLs refused unless the operator allows
 * them (--webhook-allow-private, here by its environment variable).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase } from "../../support/database.js";
import { startTestServer } from "../../support/server.js";
import { restJson } from "../../support/clients.js";
import { keyFor, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { startWebhookReceiver } from "../../support/webhook-receiver.js";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serve(env: Record<string, string | undefined>): Promise<{ server: EngramProcess; key: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "engram-webhooks-"));
  const server = await spawnEngram({ dataDir, env: { DATABASE_URL: undefined, ...env } });
  cleanups.push(async () => {
    await server.kill();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { server, key: await keyFor(dataDir, undefined) };
}

describe("webhooks on a running server", () => {
  it("delivers a write made over REST to a webhook made over REST, signed", async () => {
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const { server, key } = await serve({ ENGRAM_WEBHOOK_ALLOW_PRIVATE: "true" });
    const created = await restJson<{ webhook: { id: string }; secret: string }>(
      server.baseUrl,
      key,
      "POST",
      "/v1/webhooks",
      {
        url: receiver.url,
        filter: { subject_type: "contact" },
      },
    );
    expect(created.status).toBe(201);
    const memory = { subject_type: "contact", subject_id: "ana", kind: "note", content: "Ana signed the renewal" };
    expect((await restJson(server.baseUrl, key, "POST", "/v1/memory", memory)).status).toBeLessThan(300);
    const other = { ...memory, subject_type: "company", content: "Acme moved offices" };
    expect((await restJson(server.baseUrl, key, "POST", "/v1/memory", other)).status).toBeLessThan(300);
    const [delivery] = await receiver.waitFor(1);
    const event = new Webhook(created.body.secret).verify(delivery?.body ?? "", delivery?.headers ?? {});
    expect(event).toMatchObject({ type: "memory.created", data: { memory: { content: "Ana signed the renewal" } } });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(1);
  });

  it("refuses a loopback URL by default, with 400 naming the field, and stores nothing", async () => {
    const { server, key } = await serve({});
    const refused = await restJson<{ error: { message: string } }>(server.baseUrl, key, "POST", "/v1/webhooks", {
      url: "http://127.0.0.1:9/hook",
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("webhook.url");
    const listed = await restJson<{ webhooks?: unknown[] }>(server.baseUrl, key, "GET", "/v1/webhooks");
    expect(listed.body.webhooks ?? []).toEqual([]);
  });
});

describe("two servers on one Postgres", () => {
  it("deliver each change exactly once, in order, whichever server took the write", async () => {
    const receiver = await startWebhookReceiver();
    // A slow receiver: each server polls while the other is still delivering.
    receiver.behave(() => ({ status: 200, delayMs: 250 }));
    cleanups.push(() => receiver.close());
    const database = await createTestDatabase(inject("postgresUrl"));
    cleanups.push(() => database.drop());
    const config = { databaseUrl: database.url, webhookAllowPrivate: true };
    const a = await startTestServer(config);
    cleanups.push(() => a.close());
    const b = await startTestServer(config);
    cleanups.push(() => b.close());
    const key = await a.createKey({ scopes: ["memory:read", "memory:write"] });
    const created = await restJson<{ secret: string }>(a.baseUrl, key, "POST", "/v1/webhooks", { url: receiver.url });
    expect(created.status).toBe(201);
    const contents = Array.from({ length: 12 }, (_, i) => `note ${i} about Ana`);
    for (const [i, content] of contents.entries()) {
      const server = i % 2 === 0 ? a : b;
      const memory = { subject_type: "contact", subject_id: "ana", kind: "note", content };
      expect((await restJson(server.baseUrl, key, "POST", "/v1/memory", memory)).status).toBeLessThan(300);
    }
    await receiver.waitFor(contents.length);
    await new Promise((r) => setTimeout(r, 1_000));
    const events = receiver.received.map((r) => new Webhook(created.body.secret).verify(r.body, r.headers));
    expect(events.map((e) => (e as { data: { memory: { content: string } } }).data.memory.content)).toEqual(contents);
  });
});
