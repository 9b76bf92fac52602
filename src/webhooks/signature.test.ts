import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newSecret, secretKey, signedHeaders } from "./signature.js";

describe("Standard Webhooks signatures", () => {
  it("verify with the specification's reference library, and fail on any change", () => {
    const secret = newSecret();
    const key = secretKey(secret);
    expect(key).not.toBeNull();
    const body = JSON.stringify({ type: "memory.created", data: { id: "m1" } });
    const headers = signedHeaders(key as Buffer, "msg_1", new Date(), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_2" })).toThrow();
  });

  it("sign the attempt's time: an old timestamp is refused by verifiers", () => {
    const secret = newSecret();
    const body = "{}";
    const old = signedHeaders(secretKey(secret) as Buffer, "msg_1", new Date(Date.now() - 3_600_000), body);
    expect(() => new Webhook(secret).verify(body, old)).toThrow(/timestamp/i);
  });

  it.each(["", "whsec_", "secret", "whsec_!!!!", `whsec_${Buffer.alloc(8).toString("base64")}`])(
    "refuse %j as a secret",
    (secret) => {
      expect(secretKey(secret)).toBeNull();
    },
  );
});
