/**
 * The REST JSON dialect: clients written against snake_case names, aliases and short lower-case
 * enums must reach fromJson as canonical proto3 JSON, and anything the gateway cannot place
 * exactly (unknown, duplicate or ambiguous names) must be refused with the field it concerns.
 */
import { create, createFileRegistry, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import {
  anyPack,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  StructSchema,
  TimestampSchema,
} from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  MemorySchema,
  Provenance,
  ProvenanceSchema,
  Visibility,
  VisibilitySchema,
} from "../../gen/ts/engram/v1/memory_pb.js";
import {
  BatchWriteMemoriesResponseSchema,
  ListMemoriesRequestSchema,
  UpdateMemoryRequestSchema,
  WriteMemoryRequestSchema,
  WriteMemoryResponseSchema,
  WriteOutcome,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { ErrorInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/ts/google/rpc/status_pb.js";
import { refused } from "../../test/support/refusals.js";
import { isWellKnown } from "./rest-fields.js";
import { protoJsonOf, restJsonOf, shortEnumName } from "./rest-json.js";

const body = (json: JsonValue, desc: DescMessage = MemorySchema, at?: string) => protoJsonOf(desc, json, at);

/** test.Pair { Side left; Side right } with Side { string name }: one name under two parents. */
function pairSchema(): DescMessage {
  const field = (name: string, number: number, type: FieldDescriptorProto_Type, typeName?: string) => {
    return { name, jsonName: name, number, label: FieldDescriptorProto_Label.OPTIONAL, type, typeName };
  };
  const { MESSAGE, STRING } = FieldDescriptorProto_Type;
  const file = create(FileDescriptorProtoSchema, {
    name: "test/pair.proto",
    package: "test",
    syntax: "proto3",
    messageType: [
      { name: "Side", field: [field("name", 1, STRING)] },
      { name: "Pair", field: [field("left", 1, MESSAGE, ".test.Side"), field("right", 2, MESSAGE, ".test.Side")] },
    ],
  });
  const pair = createFileRegistry(file, () => undefined).getMessage("test.Pair");
  if (pair === undefined) throw new Error("test.Pair did not register");
  return pair;
}

describe("protoJsonOf", () => {
  it("keys fields by proto name whether given by proto name, JSON name or rest_alias", () => {
    const json = { subjectType: "contact", agent_registry_id: "a1", expires_at: "2030-01-01T00:00:00Z", kind: "k" };
    expect(body(json)).toEqual({ subject_type: "contact", agent_id: "a1", expire_time: json.expires_at, kind: "k" });
  });

  it("reads enums by short or full name in any case, and leaves other values to the decoder", () => {
    expect(body({ visibility: "Shared", provenance: "provenance_inferred" })).toEqual({
      visibility: "VISIBILITY_SHARED",
      provenance: "PROVENANCE_INFERRED",
    });
    expect(body({ visibility: "public", provenance: 2 })).toEqual({ visibility: "public", provenance: 2 });
  });

  it("places a flat name under the one nested message that has it, preferring the message's own field", () => {
    expect(body({ content: "c", ttl: "60s" }, WriteMemoryRequestSchema)).toEqual({
      memory: { content: "c" },
      ttl: "60s",
    });
    expect(body({ etag: "e", title: "t" }, UpdateMemoryRequestSchema)).toEqual({ etag: "e", memory: { title: "t" } });
  });

  it("refuses a flat name that two nested messages both have rather than guess", () => {
    expect(refused(() => body({ name: "x" }, pairSchema()))).toBe("UNKNOWN_FIELD at name");
    expect(body({ left: { name: "x" } }, pairSchema())).toEqual({ left: { name: "x" } });
  });

  it("refuses unknown fields, naming their full path, also inside list items", () => {
    expect(() => body({ colour: "red" }, MemorySchema, "memory")).toThrow(
      'memory.colour: engram.v1.Memory has no field "colour"',
    );
    expect(refused(() => body({ linked_entities: [{ type: "t" }, { ref: "r" }] }))).toBe(
      "UNKNOWN_FIELD at linked_entities[1].ref",
    );
  });

  it("refuses a body, or a nested message, that is not a JSON object", () => {
    for (const json of [null, [], "text", 3]) expect(refused(() => body(json))).toBe("INVALID_JSON at body");
    expect(refused(() => body({ memory: ["m"] }, WriteMemoryRequestSchema))).toBe("INVALID_JSON at memory");
  });

  it("combines a nested object with flat names for its other fields, but refuses one field given twice", () => {
    const list = (json: JsonValue) => body(json, ListMemoriesRequestSchema);
    expect(list({ kind: "pitch", filter: { subject_type: "s" } })).toEqual({
      filter: { kinds: ["pitch"], subject_type: "s" },
    });
    expect(refused(() => list({ subject_type: "a", filter: { subject_type: "b" } }))).toBe("DUPLICATE_FIELD at filter");
    expect(refused(() => body({ agent_id: "a", agent_registry_id: "b" }))).toBe("DUPLICATE_FIELD at agent_registry_id");
  });

  it("takes one value where a list goes as a list of one", () => {
    expect(body({ tags: "vip", linked_entities: { type: "deal", id: "d1" } })).toEqual({
      tags: ["vip"],
      linked_entities: [{ type: "deal", id: "d1" }],
    });
  });

  it("leaves well-known types alone, except for snake_case paths in a field mask", () => {
    const metadata = { colour: "red", nested: { any_key: [1, null] } };
    expect(body({ metadata, delete_time: null })).toEqual({ metadata, delete_time: null });
    expect(body({ update_mask: "title, expire_time,linked_entities.type" }, UpdateMemoryRequestSchema)).toEqual({
      update_mask: "title,expireTime,linkedEntities.type",
    });
  });
});

describe("restJsonOf", () => {
  it("emits every implicit field under proto names, with short lower-case enums at any depth", () => {
    const memory = create(MemorySchema, { id: "m1", visibility: Visibility.SHARED, provenance: Provenance.INFERRED });
    expect(restJsonOf(WriteMemoryResponseSchema, create(WriteMemoryResponseSchema, { memory }))).toMatchObject({
      outcome: "unspecified",
      reason: "",
      memory: { id: "m1", subject_type: "", tags: [], revision: "0", visibility: "shared", provenance: "inferred" },
    });
  });

  it("leaves unset optional and message fields out", () => {
    const response = create(WriteMemoryResponseSchema, { outcome: WriteOutcome.CREATED });
    expect(restJsonOf(WriteMemoryResponseSchema, response)).toEqual({
      outcome: "created",
      reason: "",
      guard_confidence: 0,
      similarity: 0,
      classified_kind: "",
      possible_conflicts: [],
      superseded: [],
    });
    expect("confidence" in restJsonOf(MemorySchema, create(MemorySchema))).toBe(false);
  });

  it("writes error details packed in a per-item status with their type URL", () => {
    const info = { reason: "MEMORY_NOT_FOUND", domain: "engram.dev", metadata: {} };
    const error = create(StatusSchema, {
      code: 5,
      message: "gone",
      details: [anyPack(ErrorInfoSchema, create(ErrorInfoSchema, info))],
    });
    const response = create(BatchWriteMemoriesResponseSchema, {
      results: [{ result: { case: "error", value: error } }],
    });
    expect(restJsonOf(BatchWriteMemoriesResponseSchema, response)).toEqual({
      results: [
        {
          error: {
            code: 5,
            message: "gone",
            details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", ...info }],
          },
        },
      ],
    });
  });
});

describe("shortEnumName and isWellKnown", () => {
  it("shortens known enum values and leaves unknown names as they are", () => {
    expect(shortEnumName(VisibilitySchema, "VISIBILITY_SHARED")).toBe("shared");
    expect(shortEnumName(ProvenanceSchema, "PROVENANCE_EXPLICIT_STATEMENT")).toBe("explicit_statement");
    expect(shortEnumName(VisibilitySchema, "PUBLIC")).toBe("PUBLIC");
  });

  it("counts google.protobuf types only as well known", () => {
    const schemas = [TimestampSchema, StructSchema, MemorySchema, StatusSchema];
    expect(schemas.map((desc) => isWellKnown(desc))).toEqual([true, true, false, false]);
  });
});
