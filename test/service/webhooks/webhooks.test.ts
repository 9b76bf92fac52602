/**
 * WebhookService's management through the real service (delivery is not built yet): URLs to the
 * server's own networks refused, secrets generated or checked, and each webhook its creator's
 * (and an admin's) alone, NOT_FOUND to anyone else.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
let allowing: ServiceHarness;
beforeAll(async () => {
  [services, allowing] = await Promise.all([startServices(), startServices({ webhookAllowPrivate: true })]);
});
afterAll(() => Promise.all([services.close(), allowing.close()]));

const code = (err: unknown) => (err as ConnectError).code;

describe("creating a webhook", () => {
  it("answers a whsec_ secret it generated, which Standard Webhooks' library accepts, and shows it only then", async () => {
    const key = allowing.webhooks({ keyId: crypto.randomUUID() });
    const created = await key.createWebhook({
      webhook: { url: "http://127.0.0.1:9/hook", filter: { subjectType: "contact" }, description: "crm" },
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect(() => new Webhook(created.secret)).not.toThrow();
    expect(created.webhook).toMatchObject({ url: "http://127.0.0.1:9/hook", enabled: true, secret: "" });
    expect(created.webhook?.filter?.subjectType).toBe("contact");
    const read = await key.getWebhook({ id: created.webhook?.id ?? "" });
    expect(read.webhook?.secret).toBe("");
  });

  it.each([
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://10.0.0.8/hook",
    "ftp://example.com/hook",
    "https://user:pw@example.com/hook",
  ])("refuses %s (INVALID_ARGUMENT) and stores nothing", async (url) => {
    const before = (await services.webhooks().listWebhooks({})).webhooks.length;
    const err = await services
      .webhooks()
      .createWebhook({ webhook: { url } })
      .catch((e: unknown) => e);
    expect(code(err)).toBe(Code.InvalidArgument);
    expect((err as ConnectError).message).toContain("webhook.url");
    expect((await services.webhooks().listWebhooks({})).webhooks).toHaveLength(before);
  });

  it("refuses a secret that is not a whsec_ key", async () => {
    const err = await allowing
      .webhooks()
      .createWebhook({ webhook: { url: "http://127.0.0.1:9/", secret: "hunter2" } })
      .catch((e: unknown) => e);
    expect(code(err)).toBe(Code.InvalidArgument);
  });
});

describe("whose webhooks are whose", () => {
  it("another key's webhook is NOT_FOUND to get, update and delete, and absent from its list; an admin sees it", async () => {
    const mine = await allowing.webhooks({ keyId: crypto.randomUUID() }).createWebhook({
      webhook: { url: "http://127.0.0.1:9/mine" },
    });
    const id = mine.webhook?.id ?? "";
    const other = allowing.webhooks({ keyId: crypto.randomUUID() });
    for (const call of [
      () => other.getWebhook({ id }),
      () => other.updateWebhook({ id, webhook: { description: "x" }, updateMask: { paths: ["description"] } }),
      () => other.deleteWebhook({ id }),
    ]) {
      expect(code(await call().catch((e: unknown) => e))).toBe(Code.NotFound);
    }
    expect((await other.listWebhooks({})).webhooks.map((w) => w.id)).not.toContain(id);
    const elsewhere = allowing.webhooks({ scopes: ["admin"], workspaceId: "elsewhere" });
    expect(code(await elsewhere.getWebhook({ id }).catch((e: unknown) => e))).toBe(Code.NotFound);
    const admin = allowing.webhooks({ scopes: ["admin"] });
    expect((await admin.getWebhook({ id })).webhook?.url).toBe("http://127.0.0.1:9/mine");
    await admin.deleteWebhook({ id });
    expect(code(await admin.getWebhook({ id }).catch((e: unknown) => e))).toBe(Code.NotFound);
  });

  it("updates what the mask names, checking a new URL", async () => {
    const key = allowing.webhooks({ keyId: crypto.randomUUID() });
    const { webhook } = await key.createWebhook({ webhook: { url: "http://127.0.0.1:9/a", description: "a" } });
    const id = webhook?.id ?? "";
    const updated = await key.updateWebhook({
      id,
      webhook: { description: "b", enabled: false, url: "http://127.0.0.1:9/ignored" },
      updateMask: { paths: ["description", "enabled"] },
    });
    expect(updated.webhook).toMatchObject({ description: "b", enabled: false, url: "http://127.0.0.1:9/a" });
    const err = await services
      .webhooks()
      .updateWebhook({ id, webhook: { secret: "x" }, updateMask: { paths: ["secret"] } })
      .catch((e: unknown) => e);
    expect([Code.InvalidArgument, Code.NotFound]).toContain(code(err));
  });
});
