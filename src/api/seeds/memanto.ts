import { z } from "zod";
import { Provenance } from "../../../gen/ts/engram/v1/memory_pb.js";
import { MemoryService, WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { bodySchema, deriveTitle, parseSeedBody } from "./seed-body.js";
import { headerValue, type SeedFailure, type SeedReply, type SeedRoute } from "./seed-route.js";

/** Memanto's memory types, stored as the memory's kind. */
const MEMORY_TYPES = [
  "fact",
  "preference",
  "instruction",
  "decision",
  "goal",
  "event",
  "commitment",
  "observation",
  "relationship",
  "context",
  "learning",
  "error",
  "artifact",
] as const;

const PROVENANCE = {
  explicit_statement: Provenance.EXPLICIT_STATEMENT,
  inferred: Provenance.INFERRED,
  observed: Provenance.OBSERVED,
  validated: Provenance.VALIDATED,
  corrected: Provenance.CORRECTED,
  imported: Provenance.IMPORTED,
} as const;

const TITLE_MAX = 100;

const RememberBody = z.strictObject({
  content: z.string().min(1).max(10_000),
  type: z.enum(MEMORY_TYPES).default("fact"),
  title: z.string().max(TITLE_MAX).optional(),
  confidence: z.number().min(0).max(1).default(0.8),
  tags: z.array(z.string().min(1).max(128)).max(64).default([]),
  source: z.string().min(1).max(128).default("agent"),
  provenance: z.enum(Object.keys(PROVENANCE) as [keyof typeof PROVENANCE]).default("explicit_statement"),
});

const STATUS: Partial<Record<WriteOutcome, string>> = {
  [WriteOutcome.MERGED]: "merged",
  [WriteOutcome.REJECTED]: "rejected",
};

/**
 * Memanto's `POST /api/v2/agents/{agent_id}/remember`. The session token is an Engram API key
 * sent as X-Session-Token; the path's agent is the acting agent, so a key bound to another
 * agent gets 403. The memory is about the agent itself (subject agent/{agent_id}); the
 * session_id answered is the key's id, the namespace memanto_agent_{agent_id}, and the status
 * queued for a stored write (merged or rejected when the guard says so).
 */
export const memantoRemember: SeedRoute = {
  api: "Memanto",
  method: "post",
  template: "/api/v2/agents/{agent_id}/remember",
  pattern: /^\/api\/v2\/agents\/([^/]+)\/remember$/,
  authorization(headers) {
    const token = headerValue(headers["x-session-token"]);
    return token === undefined ? headerValue(headers.authorization) : `Bearer ${token}`;
  },
  async handle({ body, params, principal, rpc }) {
    const agentId = params[0] ?? "";
    const input = parseSeedBody(RememberBody, body);
    const written = await rpc(MemoryService.method.writeMemory, {
      memory: {
        agentId,
        subjectType: "agent",
        subjectId: agentId,
        kind: input.type,
        title: input.title ?? deriveTitle(input.content, TITLE_MAX),
        content: input.content,
        confidence: input.confidence,
        tags: input.tags,
        sourceKind: input.source,
        provenance: PROVENANCE[input.provenance],
      },
    });
    return {
      status: 200,
      body: {
        memory_id: written.memory?.id ?? null,
        agent_id: agentId,
        session_id: principal.keyId,
        namespace: `memanto_agent_${agentId}`,
        status: STATUS[written.outcome] ?? "queued",
        confidence: input.confidence,
        provenance: input.provenance,
      },
    };
  },
  failure,
  operation: {
    summary: "Memanto: remember",
    description:
      "Stores one memory for the agent in the path, with X-Session-Token (an Engram API key bound to that agent) " +
      "as the credential. type defaults to fact, confidence to 0.8, source to agent, provenance to " +
      "explicit_statement; a title is derived from the content when omitted.",
    parameters: [{ name: "agent_id", in: "path", required: true, schema: { type: "string", maxLength: 256 } }],
    security: [{ sessionToken: [] }],
    requestBody: { required: true, content: { "application/json": { schema: bodySchema(RememberBody) } } },
    responses: {
      "200": { description: "memory_id, agent_id, session_id, namespace, status, confidence, provenance." },
      "401": { description: "Missing or unknown session token." },
      "403": { description: "The token belongs to another agent." },
      "422": { description: "Validation error, FastAPI style: detail lists each field at fault." },
      "429": { description: "Rate limit exceeded." },
    },
  },
};

/** FastAPI's shapes: 422 with a list of field errors for bad input, {"detail": message} otherwise. */
function failure({ httpStatus, message, violations }: SeedFailure): SeedReply {
  if (httpStatus === 400 && violations.length > 0) {
    const detail = violations.map((v) => ({
      loc: v.field === "agent_id" ? ["path", "agent_id"] : ["body", ...v.field.split(".")],
      msg: v.description,
      type: "value_error",
    }));
    return { status: 422, body: { detail } };
  }
  return { status: httpStatus === 400 ? 422 : httpStatus, body: { detail: message } };
}
