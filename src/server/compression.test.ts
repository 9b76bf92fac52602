import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ACCEPTED_COMPRESSIONS } from "./compression.js";

/** A page of memories as JSON: repetitive enough that the levels differ. */
const page = new TextEncoder().encode(
  JSON.stringify(
    Array.from({ length: 300 }, (_, i) => ({
      id: `0190d1a2-${String(i).padStart(4, "0")}-7000-8000-000000000000`,
      content: `Ana from Acme said the analytics suite renewal is due in ${["March", "May", "June"][i % 3]} (${i})`,
      tags: ["crm", `account-${i % 17}`],
    })),
  ),
);
function byName(name: string) {
  const compression = ACCEPTED_COMPRESSIONS.find((c) => c.name === name);
  if (compression === undefined) throw new Error(`${name} is not accepted`);
  return compression;
}

describe("response compression", () => {
  it("gzip runs at its fastest level: the header's XFL byte says so, and the bytes round-trip", async () => {
    const compressed = await byName("gzip").compress(page);
    // RFC 1952: XFL (the ninth byte) is 4 when the compressor used its fastest algorithm.
    expect(compressed[8]).toBe(4);
    expect(new Uint8Array(gunzipSync(compressed))).toEqual(page);
  });

  it("brotli does not run at the library's quality 11 (hundreds of ms for 100 KB), and the bytes round-trip", async () => {
    const compressed = await byName("br").compress(page);
    const best = brotliCompressSync(page, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    expect(compressed.length).toBeGreaterThan(best.length);
    expect(compressed.length).toBeLessThan(page.length / 4);
    expect(new Uint8Array(brotliDecompressSync(compressed))).toEqual(page);
  });
});
