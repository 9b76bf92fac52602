/**
 * Page tokens carry a keyset position that ends up in SQL, so only positions this server
 * signed for the same query may come back, and even signed ones must have the type the
 * order field expects. Anything else is the one INVALID_PAGE_TOKEN error, never a crash.
 */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error.js";
import { orderValue, PageTokens, type Position } from "./page-token.js";

const secret = randomBytes(32);
const tokens = new PageTokens(secret);
const query = [{ workspaceId: "w1", agentId: "agent-a", admin: false }, { kinds: ["note"] }];
const ID = "0190a6f2-1c2b-7d3e-8f40-123456789abc";
const TIME: Position = { value: "2024-05-06T07:08:09.123Z", id: ID };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

function expectNotIssued(fn: () => unknown): void {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(DomainError);
  expect(err).toMatchObject({
    kind: "invalid_argument",
    reason: "INVALID_PAGE_TOKEN",
    fieldViolations: [
      {
        field: "page_token",
        description: "page_token is not one this server issued for this filter, order_by and agent",
      },
    ],
  });
}

/** A token whose body is any text, signed the way the server signs: HMAC(query JSON, newline, body). */
function signedBody(body: string, q: unknown = query): string {
  const mac = createHmac("sha256", secret).update(JSON.stringify(q)).update("\n").update(body).digest();
  return `${Buffer.from(body).toString("base64url")}.${mac.toString("base64url")}`;
}

describe("PageTokens round trip", () => {
  it("gives back the time position it encoded", () => {
    expect(tokens.decode(tokens.encode(query, TIME), query, "create_time")).toEqual(TIME);
    expect(tokens.decode(tokens.encode(query, TIME), query, "update_time")).toEqual(TIME);
  });

  it("gives back confidence positions, including the bounds 0 and 1", () => {
    for (const value of [0, 0.25, 1]) {
      expect(tokens.decode(tokens.encode(query, { value, id: ID }), query, "confidence")).toEqual({ value, id: ID });
    }
  });

  it("issues two base64url parts, the second a 32-byte HMAC-SHA256", () => {
    const [body, mac, ...rest] = tokens.encode(query, TIME).split(".");
    expect(rest).toEqual([]);
    expect(body).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(mac ?? "", "base64url")).toHaveLength(32);
  });

  it("accepts the token of another instance holding the same secret", () => {
    const token = new PageTokens(Buffer.from(secret)).encode(query, TIME);
    expect(tokens.decode(token, query, "create_time")).toEqual(TIME);
  });
});

describe("PageTokens refusals", () => {
  it("refuses a token issued for another query", () => {
    const token = tokens.encode(query, TIME);
    const otherAgent = [{ workspaceId: "w1", agentId: "agent-b", admin: false }, { kinds: ["note"] }];
    expectNotIssued(() => tokens.decode(token, otherAgent, "create_time"));
    expectNotIssued(() => tokens.decode(token, [query[0], { kinds: ["fact"] }], "create_time"));
  });

  it("refuses a token signed with another secret", () => {
    const foreign = new PageTokens(randomBytes(32)).encode(query, TIME);
    expectNotIssued(() => tokens.decode(foreign, query, "create_time"));
  });

  it("refuses a token whose body was swapped for another position", () => {
    const [, mac] = tokens.encode(query, TIME).split(".");
    const body = Buffer.from(JSON.stringify({ v: "2030-01-01T00:00:00.000Z", i: ID })).toString("base64url");
    expectNotIssued(() => tokens.decode(`${body}.${mac ?? ""}`, query, "create_time"));
  });

  it("refuses a truncated signature without throwing anything but INVALID_PAGE_TOKEN", () => {
    const token = tokens.encode(query, TIME);
    expectNotIssued(() => tokens.decode(token.slice(0, -4), query, "create_time"));
  });

  it.each(["", "no-dot-at-all", "a.b.c", `${"x".repeat(10)}.`])("refuses the malformed token %j", (token) => {
    expectNotIssued(() => tokens.decode(token, query, "create_time"));
  });

  it("refuses a token with an extra part after a valid one", () => {
    expectNotIssued(() => tokens.decode(`${tokens.encode(query, TIME)}.extra`, query, "create_time"));
  });

  it("refuses a signed time position when the order is by confidence, and the reverse", () => {
    expectNotIssued(() => tokens.decode(tokens.encode(query, TIME), query, "confidence"));
    expectNotIssued(() => tokens.decode(tokens.encode(query, { value: 0.5, id: ID }), query, "create_time"));
  });

  it("refuses signed confidences outside 0..1", () => {
    for (const value of [-0.01, 1.01]) {
      expectNotIssued(() => tokens.decode(tokens.encode(query, { value, id: ID }), query, "confidence"));
    }
  });

  it("refuses a signed id that is not a UUID", () => {
    const token = tokens.encode(query, { value: TIME.value, id: "1 or 1=1" });
    expectNotIssued(() => tokens.decode(token, query, "create_time"));
  });

  it.each([
    "2024-05-06T07:08:09Z",
    "2024-05-06 07:08:09.123Z",
    "2024-05-06T07:08:09.123+00:00",
    "2024-13-45T00:00:00.000Z",
  ])("refuses the signed time %j, which is not what toISOString gives", (value) => {
    expectNotIssued(() => tokens.decode(tokens.encode(query, { value, id: ID }), query, "update_time"));
  });

  it("refuses a correctly signed body that is not JSON or not an object", () => {
    for (const body of ["{not json", "null", "42", `["2024-05-06T07:08:09.123Z","${ID}"]`]) {
      expectNotIssued(() => tokens.decode(signedBody(body), query, "create_time"));
    }
  });

  it("accepts a correctly signed body of the expected shape, confirming the signing scheme above", () => {
    const token = signedBody(JSON.stringify({ v: 0.5, i: ID }));
    expect(tokens.decode(token, query, "confidence")).toEqual({ value: 0.5, id: ID });
  });
});

describe("orderValue", () => {
  const record = {
    createTime: new Date("2024-01-02T03:04:05.006Z"),
    updateTime: new Date("2025-06-07T08:09:10.011Z"),
    confidence: 0.75,
  };

  it("is the confidence number or the ISO time of the field ordered by", () => {
    expect(orderValue("confidence", record)).toBe(0.75);
    expect(orderValue("create_time", record)).toBe("2024-01-02T03:04:05.006Z");
    expect(orderValue("update_time", record)).toBe("2025-06-07T08:09:10.011Z");
  });

  it("gives values that decode as positions of their own field", () => {
    for (const field of ["create_time", "update_time", "confidence"] as const) {
      const position = { value: orderValue(field, record), id: ID };
      expect(tokens.decode(tokens.encode(query, position), query, field)).toEqual(position);
    }
  });
});
