/**
 * Decoding requests from proto3 JSON: a PATCH without a mask updates exactly the fields it
 * holds, unknown fields and impossible dates never reach a handler, and the decoder's refusal
 * is handed over with the field it names so that callers can point at it.
 */
import { isMessage, type DescMessage, type JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  GetMemoryRequestSchema,
  UpdateMemoryRequestSchema,
  WriteMemoryRequestSchema,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { DomainError } from "../errors/domain-error.js";
import { decodeJsonRequest, impliedUpdateMask, type JsonDecodeFailure } from "./json-request.js";

class Refused extends Error {
  constructor(readonly failure: JsonDecodeFailure) {
    super(failure.message);
  }
}

const refuse = (failure: JsonDecodeFailure): never => {
  throw new Refused(failure);
};

/** What `refuse` was handed for `json`. */
function failureOf(desc: DescMessage, json: JsonObject): JsonDecodeFailure {
  try {
    decodeJsonRequest(desc, json, refuse);
  } catch (err) {
    if (err instanceof Refused) return err.failure;
    throw err;
  }
  throw new Error("expected the request to be refused");
}

describe("impliedUpdateMask", () => {
  it("names exactly the given fields, in order, as field mask paths", () => {
    expect(impliedUpdateMask({ title: "t", expire_time: null, linked_entities: [] })).toBe(
      "title,expireTime,linkedEntities",
    );
  });

  it("is empty for an empty body", () => {
    expect(impliedUpdateMask({})).toBe("");
  });
});

describe("decodeJsonRequest", () => {
  it("decodes proto-name and JSON-name keys into the request message", () => {
    const message = decodeJsonRequest(GetMemoryRequestSchema, { id: "m1", agentId: "a1" }, refuse);
    expect(isMessage(message, GetMemoryRequestSchema)).toBe(true);
    expect(message).toMatchObject({ id: "m1", agentId: "a1" });
    const update = decodeJsonRequest(UpdateMemoryRequestSchema, { update_mask: "title,expireTime" }, refuse);
    expect(update).toMatchObject({ updateMask: { paths: ["title", "expire_time"] } });
  });

  it("refuses unknown fields, which name no field of the request", () => {
    expect(failureOf(GetMemoryRequestSchema, { id: "m1", colour: "red" })).toEqual({
      message: 'cannot decode message engram.v1.GetMemoryRequest from JSON: key "colour" is unknown',
      field: undefined,
      description: 'cannot take key "colour" is unknown',
    });
  });

  it("names the field whose value has the wrong type, at any depth", () => {
    expect(failureOf(GetMemoryRequestSchema, { id: 5 })).toEqual({
      message: "cannot decode field engram.v1.GetMemoryRequest.id from JSON: expected string, got 5",
      field: "id",
      description: "cannot take expected string, got 5",
    });
    const nested = failureOf(WriteMemoryRequestSchema, { memory: { confidence: "high" } });
    expect([nested.field, nested.description]).toEqual([
      "confidence",
      'cannot take expected number (float32), got "high"',
    ]);
  });

  it("hands over failures inside well-known types without a field", () => {
    const failure = failureOf(WriteMemoryRequestSchema, { memory: { expire_time: "tomorrow" } });
    expect([failure.field, failure.description]).toEqual([undefined, "cannot take invalid RFC 3339 string"]);
  });

  it("refuses a date that does not exist before the decoder can roll it over", () => {
    let handedOver = false;
    const json = { memory: { expire_time: "2025-02-29T12:00:00Z" } };
    const decode = () =>
      decodeJsonRequest(WriteMemoryRequestSchema, json, () => {
        handedOver = true;
        throw new Error("unreachable");
      });
    expect(decode).toThrow(DomainError);
    expect(decode).toThrow('memory.expire_time: "2025-02-29T12:00:00Z" is not a real date and time');
    expect(handedOver).toBe(false);
  });

  it("keeps real timestamps to the second and nanosecond", () => {
    const json = { memory: { expireTime: "2024-02-29T23:59:59.000000001Z" } };
    const message = decodeJsonRequest(WriteMemoryRequestSchema, json, refuse);
    const seconds = BigInt(Date.UTC(2024, 1, 29, 23, 59, 59) / 1000);
    expect(message).toMatchObject({ memory: { expireTime: { seconds, nanos: 1 } } });
  });
});
