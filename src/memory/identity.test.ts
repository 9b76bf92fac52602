/**
 * Keyless writes merge, and stored vectors are reused, by these values, and fingerprints are
 * persisted: contents differing only in case, white space or Unicode compatibility form must
 * agree, anything else must not, and the hash must stay the SHA-256 of the normalised text.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprintOf, keylessIdentity } from "./identity.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const base = { agentId: "agent-a", subjectType: "contact", subjectId: "c-1", kind: "note", content: "Prefers email" };

describe("fingerprintOf", () => {
  it("is the hex SHA-256 of the normalised content", () => {
    expect(fingerprintOf("Prefers email")).toBe(sha256("prefers email"));
    expect(fingerprintOf("x")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("ignores case, surrounding white space and runs of inner white space", () => {
    const fp = fingerprintOf("prefers email");
    expect(fingerprintOf("  PREFERS\t\n  Email  ")).toBe(fp);
    expect(fingerprintOf("Prefers\u00a0email")).toBe(fp);
  });

  it("folds Unicode compatibility forms (NFKC)", () => {
    expect(fingerprintOf("\ufb01le")).toBe(fingerprintOf("file"));
    expect(fingerprintOf("\uff21\uff22\uff23")).toBe(fingerprintOf("abc"));
    expect(fingerprintOf("cafe\u0301")).toBe(fingerprintOf("caf\u00e9"));
  });

  it("tells apart contents that differ in anything else", () => {
    expect(fingerprintOf("prefers email")).not.toBe(fingerprintOf("prefers e-mail"));
    expect(fingerprintOf("prefers email")).not.toBe(fingerprintOf("prefersemail"));
    expect(fingerprintOf("prefers email.")).not.toBe(fingerprintOf("prefers email"));
  });
});

describe("keylessIdentity", () => {
  it("cannot be made equal by moving a separator from one part into another", () => {
    const split = (agentId: string, subjectType: string) => keylessIdentity("w1", { ...base, agentId, subjectType });
    expect(split("a\u001fb", "x")).not.toBe(split("a", "b\u001fx"));
    expect(split('a","b', "x")).not.toBe(split("a", 'b","x'));
  });

  it("tells a missing owner or subject id from an empty one", () => {
    expect(keylessIdentity("w1", { ...base, agentId: null })).not.toBe(keylessIdentity("w1", { ...base, agentId: "" }));
    expect(keylessIdentity("w1", { ...base, subjectId: null })).not.toBe(
      keylessIdentity("w1", { ...base, subjectId: "" }),
    );
  });

  it("is the same for contents that differ only in case and white space", () => {
    expect(keylessIdentity("w1", { ...base, content: " PREFERS  email\n" })).toBe(keylessIdentity("w1", base));
  });

  it("differs when any part of the identity differs", () => {
    const identity = keylessIdentity("w1", base);
    const variants = [
      keylessIdentity("w2", base),
      keylessIdentity("w1", { ...base, agentId: "agent-b" }),
      keylessIdentity("w1", { ...base, agentId: null }),
      keylessIdentity("w1", { ...base, subjectType: "deal" }),
      keylessIdentity("w1", { ...base, subjectId: "c-2" }),
      keylessIdentity("w1", { ...base, subjectId: null }),
      keylessIdentity("w1", { ...base, kind: "fact" }),
      keylessIdentity("w1", { ...base, content: "Prefers phone" }),
    ];
    expect(new Set([identity, ...variants]).size).toBe(variants.length + 1);
  });
});
