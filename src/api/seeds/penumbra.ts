import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { v5 as uuidv5 } from "uuid";
import { z } from "zod";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { JsonObject, JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import {
  WriteOutcome,
  type BatchWriteResult,
  type WriteMemoryRequestSchema,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteService, type StagedWrite } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { DomainError } from "../../errors/domain-error.js";
import { MAX_BATCH_ITEMS, MAX_CONTENT_CHARS } from "../limits.js";
import { bodySchema, deriveTitle, parseSeedBody } from "./seed-body.js";
import { headerValue, type SeedFailure, type SeedReply, type SeedRoute } from "./seed-route.js";

const KINDS = ["preference", "decision", "fact", "lesson", "observation", "signal"] as const;
const NAME_MAX = 100;

/** What one memory may say, at the top level (the single form, or defaults for a batch) or in `memories`. */
const memoryFields = {
  kind: z.enum(KINDS).optional(),
  scope: z.enum(["agent", "commons", "project"]).optional(),
  subject: z
    .looseObject({ type: z.string().min(1).max(128).optional(), id: z.string().min(1).max(256).optional() })
    .optional(),
  source_context: z.string().max(4096).optional(),
  forget_after: z.iso.datetime({ offset: true }).optional(),
  forget_reason: z.string().max(1024).optional(),
  shape_id: z.string().max(256).optional(),
  project_id: z.string().min(1).max(256).optional(),
};

const MemoryItem = z.strictObject({ content: z.string().min(1).max(MAX_CONTENT_CHARS), ...memoryFields });

const CreateBody = z
  .strictObject({
    content: z.string().min(1).max(MAX_CONTENT_CHARS).optional(),
    ...memoryFields,
    apply: z.boolean().default(true),
    memories: z.array(MemoryItem).min(1).max(MAX_BATCH_ITEMS).optional(),
  })
  .refine((b) => (b.memories === undefined) !== (b.content === undefined), {
    message: `give content for one memory, or memories (1-${MAX_BATCH_ITEMS}) for a batch, not both`,
  });

type Item = z.output<typeof MemoryItem>;

/**
 * Penumbra's `POST /v1/memories`. Every write goes through a staged write (Penumbra's delta):
 * with apply true (the default) it is staged and applied at once (201, status applied), with
 * apply false it stays staged (202, status staged) until POST /v1/stagedWrites/{delta_id}:apply.
 * A project is an Engram workspace: project_id, when given, must be the key's. scope agent
 * is a private memory, project and commons shared ones (Engram shares within a workspace
 * only); subject {type, id} is the memory's subject (project/{project_id} when absent).
 */
export const penumbraCreateMemories: SeedRoute = {
  api: "Penumbra",
  method: "post",
  template: "/v1/memories",
  pattern: /^\/v1\/memories$/,
  authorization: (headers) => headerValue(headers.authorization),
  async handle({ body, principal, rpc, requestId }) {
    const input = parseSeedBody(CreateBody, body);
    const { memories, apply, content, ...defaults } = input;
    const items: Item[] = memories?.map((m) => ({ ...defaults, ...m })) ?? [{ ...defaults, content: content ?? "" }];
    for (const [i, item] of items.entries()) {
      if (item.project_id !== undefined && item.project_id !== principal.workspaceId) {
        throw new DomainError(
          "permission_denied",
          "PROJECT_NOT_ALLOWED",
          `${memories === undefined ? "project_id" : `memories[${i}].project_id`} ${item.project_id} is not this key's project`,
        );
      }
    }
    const projectId = principal.workspaceId;
    const requests = items.map((item) => ({ memory: memoryOf(item, projectId) }));
    // One call: staged and applied in one transaction (or left pending), one rate-limit token.
    const { stagedWrite: delta } = await rpc(StagedWriteService.method.createStagedWrite, {
      requests,
      atomic: true,
      apply,
    });
    if (delta === undefined) throw new Error("the staged write service answered without a staged write");
    return receipt(delta, items, { applied: apply, shapeId: input.shape_id, requestId });
  },
  failure,
  operation: {
    summary: "Penumbra: create memories",
    description:
      `Creates one memory, or a batch of 1 to ${MAX_BATCH_ITEMS} with {"memories": [...]}, through a staged write (the delta): ` +
      "applied at once (201) unless apply is false (202, staged until POST /v1/stagedWrites/{delta_id}:apply). " +
      "project_id, when given, must be the key's workspace.",
    requestBody: { required: true, content: { "application/json": { schema: bodySchema(CreateBody) } } },
    responses: {
      "201": { description: "Applied: the WriteReceipt, status applied." },
      "202": { description: "Staged (apply false): the WriteReceipt, status staged, with delta_id." },
      "400": { description: "Bad request: {error, message, request_id}." },
    },
  },
};

function memoryOf(item: Item, projectId: string): MessageInitShape<typeof WriteMemoryRequestSchema>["memory"] {
  const { type: subjectType, id: subjectId, ...subjectRest } = item.subject ?? {};
  const metadata: JsonObject = {};
  if (item.source_context !== undefined) metadata.source_context = item.source_context;
  if (item.forget_reason !== undefined) metadata.forget_reason = item.forget_reason;
  if (item.shape_id !== undefined) metadata.shape_id = item.shape_id;
  if (item.scope !== undefined) metadata.scope = item.scope;
  if (Object.keys(subjectRest).length > 0) metadata.subject = subjectRest as JsonValue;
  return {
    subjectType: subjectType ?? "project",
    subjectId: subjectType === undefined ? (subjectId ?? projectId) : (subjectId ?? ""),
    kind: item.kind ?? "",
    title: deriveTitle(item.content, NAME_MAX),
    content: item.content,
    visibility: item.scope === undefined || item.scope === "agent" ? Visibility.PRIVATE : Visibility.SHARED,
    metadata,
    expireTime: item.forget_after === undefined ? undefined : timestampFromDate(new Date(item.forget_after)),
  };
}

/** The WriteReceipt: the delta (the staged write) and what became of each memory in it. */
function receipt(
  delta: StagedWrite,
  items: Item[],
  { applied, shapeId, requestId }: { applied: boolean; shapeId: string | undefined; requestId: string },
): SeedReply {
  const outcomes = applied ? delta.results : delta.preview;
  const memories = items.map((item, i) => {
    const answer = outcomes[i];
    const name = deriveTitle(item.content, NAME_MAX);
    const response = answer?.result.case === "response" ? answer.result.value : undefined;
    const memoryId = applied ? (response?.memory?.id ?? null) : null;
    const rejected = response?.outcome === WriteOutcome.REJECTED;
    return {
      id: memoryId,
      delta_entity_id: memoryId ?? uuidv5(String(i), delta.id),
      content: item.content,
      name,
      status: rejected ? "rejected" : applied ? "applied" : "staged",
      ...reasonOf(answer),
    };
  });
  const first = memories.length === 1 ? (memories[0]?.id ?? null) : null;
  return {
    status: applied ? 201 : 202,
    body: {
      id: first,
      status: applied ? "applied" : "staged",
      project_id: delta.workspaceId,
      delta_id: delta.id,
      applied,
      memories,
      ...(shapeId === undefined ? {} : { shape_id: shapeId }),
      request_id: requestId,
    },
  };
}

function reasonOf(answer: BatchWriteResult | undefined): JsonObject {
  if (answer?.result.case !== "response") return {};
  const { outcome, reason } = answer.result.value;
  return { outcome: WriteOutcome[outcome].toLowerCase(), reason };
}

function failure({ httpStatus, reason, message, requestId }: SeedFailure): SeedReply {
  const error =
    httpStatus === 400
      ? "invalid_request"
      : httpStatus === 401
        ? "unauthorized"
        : httpStatus === 403
          ? "forbidden"
          : httpStatus === 404
            ? "not_found"
            : httpStatus === 429
              ? "rate_limited"
              : httpStatus >= 500
                ? "internal_error"
                : reason.toLowerCase();
  return {
    status: httpStatus,
    body: { error, message, request_id: requestId },
  };
}
