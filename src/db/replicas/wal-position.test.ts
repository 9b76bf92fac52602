import { describe, expect, it } from "vitest";
import { formatWalPosition, parseWalPosition } from "./wal-position.js";

describe("WAL positions", () => {
  it("reads the LSNs Postgres prints and prints them back the same", () => {
    for (const lsn of ["0/0", "0/3001108", "16/B374D848", "FFFFFFFF/FFFFFFFF"]) {
      const position = parseWalPosition(lsn);
      expect(position).not.toBeNull();
      expect(formatWalPosition(position ?? 0n)).toBe(lsn);
    }
  });

  it("orders positions by their whole 64 bits, not as text", () => {
    const a = parseWalPosition("0/FFFFFFFF") ?? 0n;
    const b = parseWalPosition("1/0") ?? 0n;
    expect(b > a).toBe(true);
    expect(b - a).toBe(1n);
    expect(parseWalPosition("0/a") ?? 0n).toBeLessThan(parseWalPosition("0/10") ?? 0n);
  });

  it("refuses what is not an LSN", () => {
    for (const text of ["", "0", "0/", "/1", "0/123456789", "-1/0", "0x1/0", "1/2/3", "g/0", "0/1 OR 1=1"]) {
      expect(parseWalPosition(text), text).toBeNull();
    }
  });
});
