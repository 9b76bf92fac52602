/**
 * Timestamps that name a day or time that does not exist: protobuf-es reads them with
 * Date.parse, which rolls them over to another date, so they must be refused first, naming
 * where in the request they are; real dates, and strings for the decoder to judge, pass.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  BatchWriteMemoriesRequestSchema,
  ListMemoriesRequestSchema,
  WriteMemoryRequestSchema,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { DomainError } from "../errors/domain-error.js";
import { assertRealTimestamps, assertRealTimestampsInText } from "./json-timestamps.js";

/** The field violation of the refusal, or "ok". */
function verdict(check: () => void): string {
  try {
    check();
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    expect([err.kind, err.reason]).toEqual(["invalid_argument", "TIMESTAMP_INVALID"]);
    return err.fieldViolations.map((v) => `${v.field}: ${v.description}`).join("; ");
  }
  return "ok";
}

const expiring = (value: JsonValue) => verdict(() => assertRealTimestamps(WriteMemoryRequestSchema, expiry(value)));
const expiry = (value: JsonValue) => ({ memory: { expire_time: value } });

describe("assertRealTimestamps", () => {
  it("refuses days past the end of their month, naming the field", () => {
    expect(expiring("2020-02-30T00:00:00Z")).toBe(
      'memory.expire_time: "2020-02-30T00:00:00Z" is not a real date and time',
    );
    for (const value of [
      "2023-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2021-04-31T10:00:00Z",
      "2021-12-32T00:00:00Z",
    ]) {
      expect(expiring(value)).toBe(`memory.expire_time: "${value}" is not a real date and time`);
    }
  });

  it("accepts leap days of leap years and the last day of every month", () => {
    for (const value of [
      "2024-02-29T00:00:00Z",
      "2000-02-29T12:00:00Z",
      "2021-04-30T00:00:00Z",
      "2021-12-31T00:00:00Z",
    ]) {
      expect(expiring(value)).toBe("ok");
    }
  });

  it("refuses month, day, hour, minute, second and offset values out of range", () => {
    const impossible = [
      "2021-00-10T00:00:00Z",
      "2021-13-10T00:00:00Z",
      "2021-01-00T00:00:00Z",
      "2021-01-01T24:00:00Z",
      "2021-01-01T23:60:00Z",
      "2021-01-01T23:59:60Z",
      "2021-01-01T00:00:00+24:00",
      "2021-01-01T00:00:00-05:60",
    ];
    for (const value of impossible) expect(expiring(value)).not.toBe("ok");
  });

  it("accepts the extremes of a real day, fractions and offsets", () => {
    for (const value of ["2021-01-01T00:00:00Z", "2021-01-01T23:59:59.999999999Z", "2021-06-30T23:59:59+23:59"]) {
      expect(expiring(value)).toBe("ok");
    }
  });

  it("leaves what is not an RFC 3339 timestamp to the decoder", () => {
    for (const value of [
      "2020-02-30",
      "2020-02-30 00:00:00Z",
      "2020-02-30t00:00:00z",
      "soon",
      1_700_000_000,
      true,
      null,
    ]) {
      expect(expiring(value)).toBe("ok");
    }
  });

  it("finds timestamps under JSON names and inside lists, naming the item", () => {
    expect(
      verdict(() => assertRealTimestamps(WriteMemoryRequestSchema, { memory: { expireTime: "2021-02-29T00:00:00Z" } })),
    ).toMatch(/^memory\.expire_time: /);
    const requests = [expiry("2021-02-28T00:00:00Z"), expiry("2021-02-29T00:00:00Z")];
    expect(verdict(() => assertRealTimestamps(BatchWriteMemoriesRequestSchema, { requests }))).toMatch(
      /^requests\[1\]\.memory\.expire_time: "2021-02-29/,
    );
  });

  it("ignores bodies that are not objects and messages without timestamps", () => {
    for (const json of [null, [], "2020-02-30T00:00:00Z", { memory: null }, { memory: [] }]) {
      expect(verdict(() => assertRealTimestamps(WriteMemoryRequestSchema, json))).toBe("ok");
    }
    const filter = { filter: { expire_time: "2020-02-30T00:00:00Z" } };
    expect(verdict(() => assertRealTimestamps(ListMemoriesRequestSchema, filter))).toBe("ok");
  });
});

describe("assertRealTimestampsInText", () => {
  const text = (body: string) => verdict(() => assertRealTimestampsInText(WriteMemoryRequestSchema, body));

  it("refuses a rolled-over day or hour 24 in a JSON body", () => {
    expect(text('{"memory":{"expireTime":"2021-02-30T00:00:00Z"}}')).toMatch(/^memory\.expire_time: /);
    expect(text('{"memory":{"expire_time":"2021-03-01T24:00:00Z"}}')).toMatch(/^memory\.expire_time: /);
  });

  it("sees a suspect date spelt with JSON escapes", () => {
    expect(text('{"memory":{"expireTime":"2020-02-30\\u005400:00:00Z"}}')).toMatch(/^memory\.expire_time: /);
    expect(text('{"memory":{"expireTime":"2020-02-\\u00330T00:00:00Z"}}')).toMatch(/^memory\.expire_time: /);
  });

  it("passes real dates, and bodies that are not JSON for the decoder to refuse", () => {
    expect(text('{"memory":{"expireTime":"2021-03-31T23:00:00Z"}}')).toBe("ok");
    expect(text('{"memory":{"expireTime":"2021-02-30T00:00:00Z"')).toBe("ok");
    expect(text("")).toBe("ok");
  });
});
