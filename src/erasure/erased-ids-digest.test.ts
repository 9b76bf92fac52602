import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ErasedIdsDigest } from "./erased-ids-digest.js";

const [a, b, c] = [
  "0192f1a0-0000-7000-8000-000000000001",
  "0192f1a0-0000-7000-8000-000000000002",
  "0192f1a0-0000-7000-8000-000000000003",
];
const ids = [a, b, c];

describe("ErasedIdsDigest", () => {
  it("is the sum of each id's SHA-256 modulo 2^256, whatever the order or batching", () => {
    const sum = ids.reduce((acc, id) => acc + BigInt(`0x${createHash("sha256").update(id).digest("hex")}`), 0n);
    const expected = (sum % (1n << 256n)).toString(16).padStart(64, "0");
    const inOrder = new ErasedIdsDigest();
    inOrder.add(ids);
    const batched = new ErasedIdsDigest();
    batched.add([c]);
    batched.add([a, b]);
    expect(inOrder.hex()).toBe(expected);
    expect(batched.hex()).toBe(expected);
  });

  it("differs for another set, and with() leaves the digest it extends as it was", () => {
    const two = new ErasedIdsDigest();
    two.add(ids.slice(0, 2));
    const three = two.with(ids.slice(2));
    expect(three.hex()).not.toBe(two.hex());
    expect(two.with([]).hex()).toBe(two.hex());
    expect(new ErasedIdsDigest().hex()).toBe("0".repeat(64));
  });
});
