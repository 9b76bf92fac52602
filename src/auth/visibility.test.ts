/**
 * The read and write rules of memories: a viewer sees its workspace's shared, owner-less and
 * own memories (an admin sees the whole workspace), and may change only its own; an
 * owner-less memory is an admin's alone to change. Every refusal is PERMISSION_DENIED NOT_OWNER.
 */
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error.js";
import type { Viewer } from "./principal.js";
import { assertCanModify, visibleTo } from "./visibility.js";

const agentA: Viewer = { workspaceId: "w1", agentId: "agent-a", admin: false };
const noAgent: Viewer = { workspaceId: "w1", agentId: null, admin: false };
const admin: Viewer = { workspaceId: "w1", agentId: null, admin: true };

function refusal(viewer: Viewer, memory: { id: string; agentId: string | null }): DomainError {
  try {
    assertCanModify(viewer, memory);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error("expected NOT_OWNER");
}

describe("visibleTo", () => {
  it("lets a non-admin see shared, owner-less and its own memories of its workspace", () => {
    const where = visibleTo(agentA);
    expect(where.text).toBe(
      "memories.workspace_id = ? and (memories.visibility = 'shared' or memories.agent_id is null " +
        "or memories.agent_id = ?)",
    );
    expect(where.params).toEqual(["w1", "agent-a"]);
  });

  it("binds a missing acting agent as null, which matches no owner", () => {
    expect(visibleTo(noAgent).params).toEqual(["w1", null]);
  });

  it("lets an admin see the whole workspace, whatever agent it acts as", () => {
    for (const viewer of [admin, { ...admin, agentId: "agent-a" }]) {
      const where = visibleTo(viewer);
      expect(where.text).toBe("memories.workspace_id = ?");
      expect(where.params).toEqual(["w1"]);
    }
  });

  it("qualifies every column with the given table name", () => {
    expect(visibleTo(agentA, "m").text).toBe(
      "m.workspace_id = ? and (m.visibility = 'shared' or m.agent_id is null or m.agent_id = ?)",
    );
    expect(visibleTo(admin, "target").text).toBe("target.workspace_id = ?");
  });
});

describe("assertCanModify", () => {
  it("lets an agent change its own memory", () => {
    expect(() => assertCanModify(agentA, { id: "m1", agentId: "agent-a" })).not.toThrow();
  });

  it("lets an admin change any memory, owned or owner-less", () => {
    expect(() => assertCanModify(admin, { id: "m1", agentId: "agent-b" })).not.toThrow();
    expect(() => assertCanModify(admin, { id: "m1", agentId: null })).not.toThrow();
  });

  it("refuses another agent's memory", () => {
    expect(refusal(agentA, { id: "m1", agentId: "agent-b" })).toMatchObject({
      kind: "permission_denied",
      reason: "NOT_OWNER",
      message: "memory m1 belongs to another agent",
    });
  });

  it("tells a caller acting as no agent to name one", () => {
    expect(refusal(noAgent, { id: "m2", agentId: "agent-a" })).toMatchObject({
      kind: "permission_denied",
      reason: "NOT_OWNER",
      message: "memory m2 belongs to another agent; name it as agent_id",
    });
  });

  it("refuses an owner-less memory to every non-admin, with or without an acting agent", () => {
    for (const viewer of [agentA, noAgent]) {
      expect(refusal(viewer, { id: "m3", agentId: null })).toMatchObject({
        kind: "permission_denied",
        reason: "NOT_OWNER",
        message: "memory m3 has no owner agent; only an admin key may change it",
      });
    }
  });

  it("compares owners exactly", () => {
    expect(refusal(agentA, { id: "m4", agentId: "Agent-A" }).reason).toBe("NOT_OWNER");
    expect(refusal(agentA, { id: "m4", agentId: "agent-a " }).reason).toBe("NOT_OWNER");
  });
});
