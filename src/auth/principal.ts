import { createContextKey, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { DomainError } from "../errors/domain-error.js";

export const SCOPES = ["memory:read", "memory:write", "memory:erase", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the API key's identity, established by the request gate (src/api/authentication.ts). */
export interface Principal {
  keyId: string;
  workspaceId: string;
  scopes: ReadonlySet<Scope>;
  /** Set when the key is bound to one agent: it may act as that agent only. */
  boundAgentId: string | null;
}

/** Whose eyes a request looks through: the workspace and the acting agent. */
export interface Viewer {
  workspaceId: string;
  agentId: string | null;
  admin: boolean;
  /** The API key acting, recorded in the revisions of what it changes. */
  keyId?: string;
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.has(scope) && !principal.scopes.has("admin")) {
    throw new DomainError("permission_denied", "MISSING_SCOPE", `this API key lacks the ${scope} scope`);
  }
}

/**
 * The acting agent is the key's agent when the key is bound (naming another agent is
 * PERMISSION_DENIED), otherwise the agent the request names, or none.
 */
export function viewerFor(principal: Principal, requestedAgentId: string): Viewer {
  let agentId: string | null = requestedAgentId === "" ? null : requestedAgentId;
  if (principal.boundAgentId !== null) {
    if (agentId !== null && agentId !== principal.boundAgentId) {
      throw new DomainError(
        "permission_denied",
        "AGENT_MISMATCH",
        "this API key is bound to another agent and cannot act as the one the request names",
      );
    }
    agentId = principal.boundAgentId;
  }
  return { workspaceId: principal.workspaceId, agentId, admin: principal.scopes.has("admin"), keyId: principal.keyId };
}

/** Carries the authenticated principal from the request gate to the interceptors and handlers. */
export const principalKey = createContextKey<Principal | null>(null, { description: "engram principal" });

export function principalOf(ctx: HandlerContext): Principal {
  return principalFromValues(ctx.values);
}

/** The viewer a handler acts as: the caller, as the agent its request names (see viewerFor). */
export function actingViewer(ctx: HandlerContext, requestedAgentId: string): Viewer {
  return viewerFor(principalOf(ctx), requestedAgentId);
}

export function principalFromValues(values: ContextValues): Principal {
  const principal = values.get(principalKey);
  if (principal === null) {
    throw new DomainError("unauthenticated", "MISSING_API_KEY", "missing API key: send Authorization: Bearer <key>");
  }
  return principal;
}
