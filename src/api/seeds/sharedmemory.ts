import { z } from "zod";
import { MemoryService, WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { DomainError } from "../../errors/domain-error.js";
import { MAX_CONTENT_CHARS } from "../limits.js";
import { bodySchema, parseSeedBody } from "./seed-body.js";
import { headerValue, type SeedFailure, type SeedReply, type SeedRoute } from "./seed-route.js";

/** SharedMemory's memory types; stored as the memory's kind. Without one, the write guard classifies. */
const MEMORY_TYPES = ["factual", "preference", "event", "relationship", "technical", "episodic", "procedural"] as const;

const WriteBody = z.strictObject({
  content: z.string().min(1).max(MAX_CONTENT_CHARS),
  volume_id: z.string().min(1).max(256),
  memory_type: z.enum(MEMORY_TYPES).optional(),
});

const STATUS: Partial<Record<WriteOutcome, string>> = {
  [WriteOutcome.MERGED]: "merged",
  [WriteOutcome.REJECTED]: "rejected",
};

/**
 * SharedMemory's `POST /agent/memory/write`. A volume is an Engram workspace: volume_id must
 * be the key's workspace (403 agent_not_authorized_for_volume otherwise), and the memory's
 * subject is (volume, volume_id), so that a volume's memories list, merge and conflict together.
 * The guard's verdict is the answer: approved (created, updated or revived), merged or rejected,
 * with its reason and confidence.
 */
export const sharedMemoryWrite: SeedRoute = {
  api: "SharedMemory",
  method: "post",
  template: "/agent/memory/write",
  pattern: /^\/agent\/memory\/write$/,
  authorization: (headers) => headerValue(headers.authorization),
  async handle({ body, principal, rpc }) {
    const input = parseSeedBody(WriteBody, body);
    if (input.volume_id !== principal.workspaceId) {
      throw new DomainError(
        "permission_denied",
        "AGENT_NOT_AUTHORIZED_FOR_VOLUME",
        `this key has no write access to volume ${input.volume_id}`,
      );
    }
    const written = await rpc(MemoryService.method.writeMemory, {
      memory: {
        subjectType: "volume",
        subjectId: input.volume_id,
        kind: input.memory_type ?? "",
        content: input.content,
      },
    });
    return {
      status: 200,
      body: {
        status: STATUS[written.outcome] ?? "approved",
        reason: written.reason,
        confidence: round(written.guardConfidence),
        memory_id: written.memory?.id ?? null,
        agent: principal.boundAgentId ?? "",
        volume_id: input.volume_id,
      },
    };
  },
  failure,
  operation: {
    summary: "SharedMemory: write a memory",
    description:
      "Stores a memory in a volume (an Engram workspace: volume_id is the key's workspace id) and answers with " +
      "the write guard's verdict: approved, merged or rejected, with a reason and a confidence. memory_type is " +
      "classified when omitted.",
    requestBody: { required: true, content: { "application/json": { schema: bodySchema(WriteBody) } } },
    responses: {
      "200": { description: "The guard's verdict, and the memory's id unless rejected." },
      "400": { description: "validation_failed, with details per field." },
      "403": { description: "agent_not_authorized_for_volume." },
      "429": { description: "Too Many Requests." },
    },
  },
};

function failure({ httpStatus, reason, message, violations }: SeedFailure): SeedReply {
  const error =
    httpStatus === 400
      ? "validation_failed"
      : httpStatus === 429
        ? "Too Many Requests"
        : httpStatus >= 500
          ? "write_failed"
          : reason.toLowerCase();
  const details = violations.map((v) => ({ field: v.field, message: v.description }));
  return {
    status: httpStatus,
    body: { error, message, ...(httpStatus === 400 ? { details } : {}) },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
