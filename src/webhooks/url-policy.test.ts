import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isNotPublic, systemResolver, type Resolver } from "./url-policy.js";

const to =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses;

describe("webhook URLs", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.20.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::10.0.0.1",
  ])("%s is not public", (address) => {
    expect(isNotPublic(address)).toBe(true);
  });

  it.each(["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])("%s is public", (address) => {
    expect(isNotPublic(address)).toBe(false);
  });

  it("refuses a host any of whose addresses is private, and says why", async () => {
    expect(await checkWebhookUrl("https://hooks.example/x", false, to("93.184.215.14", "10.0.0.5"))).toEqual({
      refused: "hooks.example is a loopback, private or link-local address",
    });
    expect(await checkWebhookUrl("http://localhost:9/x", false, systemResolver)).toMatchObject({
      refused: expect.stringContaining("loopback"),
    });
    expect(await checkWebhookUrl("http://[::1]:8080/", false, systemResolver)).toMatchObject({
      refused: expect.stringContaining("loopback"),
    });
  });

  it("allows private addresses when the operator does, and returns the addresses checked", async () => {
    const verdict = await checkWebhookUrl("http://127.0.0.1:8080/hook", true, systemResolver);
    expect(verdict).toMatchObject({ addresses: ["127.0.0.1"] });
    expect(await checkWebhookUrl("https://hooks.example/x", false, to("93.184.215.14"))).toMatchObject({
      addresses: ["93.184.215.14"],
    });
  });

  it.each([
    ["not a url", "not a URL"],
    ["ftp://hooks.example/x", "only http and https URLs"],
    ["file:///etc/passwd", "only http and https URLs"],
    ["https://user:pw@hooks.example/x", "credentials in the URL; use the secret"],
  ])("refuses %s", async (url, refused) => {
    expect(await checkWebhookUrl(url, true, to("93.184.215.14"))).toEqual({ refused });
  });

  it("refuses a host that does not resolve", async () => {
    const failing: Resolver = async () => {
      throw new Error("ENOTFOUND");
    };
    expect(await checkWebhookUrl("https://nowhere.invalid/", false, failing)).toEqual({
      refused: "nowhere.invalid does not resolve",
    });
  });
});
