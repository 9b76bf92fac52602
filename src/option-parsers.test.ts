/**
 * CLI option parsers: a port, limit or CORS origin that is not exactly what was meant is
 * refused at startup with commander's InvalidArgumentError, rather than quietly read as
 * something else (Number("") is 0, "0x1f" is 31; a browser never sends "https://x/").
 */
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { int, originList } from "./option-parsers.js";

/** The message of the InvalidArgumentError `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err.message;
    throw err;
  }
  throw new Error("expected an InvalidArgumentError");
}

describe("int", () => {
  const port = int(0, 65535);

  it("reads whole numbers within the range, ends included, ignoring surrounding whitespace", () => {
    expect(["0", "8080", "65535", " 42 ", "007"].map(port)).toEqual([0, 8080, 65535, 42, 7]);
  });

  it("refuses numbers outside the range, naming it", () => {
    expect(refusal(() => port("65536"))).toBe("expected a whole number from 0 to 65535");
    expect(refusal(() => int(1, 3600)("0"))).toBe("expected a whole number from 1 to 3600");
  });

  it("states only the lower bound when there is no upper one", () => {
    expect(refusal(() => int(1)("0"))).toBe("expected a whole number >= 1");
    expect(int(0)(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(refusal(() => int(0)("9007199254740992"))).toBe("expected a whole number >= 0");
  });

  it("refuses what Number() would quietly read as a number", () => {
    for (const text of ["", " ", "0x1f", "1e3", "1.5", "1.", "+1", "-1", "Infinity", "1_000", "٣", "12abc"]) {
      expect(refusal(() => port(text))).toBe("expected a whole number from 0 to 65535");
    }
  });
});

describe("originList", () => {
  it("splits a comma-separated list, trimming entries and dropping empty ones", () => {
    expect(originList(" https://app.example.com , http://localhost:3000,,*")).toEqual([
      "https://app.example.com",
      "http://localhost:3000",
      "*",
    ]);
    expect(originList("")).toEqual([]);
    expect(originList(" , ,")).toEqual([]);
  });

  it("keeps origins with non-default ports and IP addresses", () => {
    expect(originList("https://app.example.com:8443,http://127.0.0.1:5173,http://[::1]:8080")).toEqual([
      "https://app.example.com:8443",
      "http://127.0.0.1:5173",
      "http://[::1]:8080",
    ]);
  });

  it("refuses anything a browser would not send byte for byte, suggesting the origin meant", () => {
    const cases: [string, string][] = [
      ["https://app.example.com/", "https://app.example.com"],
      ["https://app.example.com/path", "https://app.example.com"],
      ["HTTPS://App.Example.com", "https://app.example.com"],
      ["https://app.example.com:443", "https://app.example.com"],
      ["http://localhost:80", "http://localhost"],
      ["https://bücher.example", "https://xn--bcher-kva.example"],
    ];
    for (const [entry, meant] of cases) {
      expect(refusal(() => originList(`https://ok.example,${entry}`))).toBe(
        `"${entry}" is not "*" or an origin like https://host[:port] (did you mean ${meant}?)`,
      );
    }
  });

  it("refuses entries that are not http(s) URLs at all, without a suggestion", () => {
    for (const entry of ["app.example.com", "null", "ftp://files.example.com", "file:///etc/passwd", "**"]) {
      expect(refusal(() => originList(entry))).toBe(`"${entry}" is not "*" or an origin like https://host[:port]`);
    }
  });
});
