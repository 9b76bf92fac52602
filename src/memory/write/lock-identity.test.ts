import { describe, expect, it } from "vitest";
import type { MemoryDraft } from "../record.js";
import { aDraft } from "../../../test/support/records.js";
import { inLockOrder, lockIdentity } from "./lock-identity.js";

const draft = (patch: Partial<MemoryDraft>): MemoryDraft => aDraft({ agentId: "bot", ...patch });

const identities = (drafts: MemoryDraft[]) =>
  inLockOrder(
    "ws",
    drafts.map((d) => ({ draft: d })),
  ).map((i) => lockIdentity("ws", i.draft));

describe("lock order", () => {
  it("locks what is locked: a keyless write's normalised content, so case and spacing change nothing", () => {
    expect(lockIdentity("ws", draft({ content: "Foo" }))).toBe(lockIdentity("ws", draft({ content: " foo " })));
    expect(lockIdentity("ws", draft({ content: "bar" }))).toBe(lockIdentity("ws", draft({ content: "BAR" })));
  });

  it("gives two batches holding the same memories one order, however they list and spell them", () => {
    // "Foo", "bar" against "bar ", "foo": sorting by raw content would lock them in opposite orders.
    const one = identities([draft({ content: "Foo" }), draft({ content: "bar" }), draft({ key: "k", content: "a" })]);
    const two = identities([draft({ key: "k", content: "b" }), draft({ content: "bar " }), draft({ content: "foo" })]);
    expect(one).toEqual(two);
  });

  it("keeps request order among writes of one identity, so the last write to a key wins", () => {
    const writes = [draft({ key: "k", content: "first" }), draft({ key: "a" }), draft({ key: "k", content: "second" })];
    const ordered = inLockOrder(
      "ws",
      writes.map((d) => ({ draft: d })),
    );
    expect(ordered.filter((w) => w.draft.key === "k").map((w) => w.draft.content)).toEqual(["first", "second"]);
  });

  it("tells keyed and keyless writes apart, and one owner, subject and kind from another", () => {
    expect(lockIdentity("ws", draft({ key: "x" }))).not.toBe(lockIdentity("ws", draft({ content: "x" })));
    expect(lockIdentity("ws", draft({ agentId: "other" }))).not.toBe(lockIdentity("ws", draft({})));
    expect(lockIdentity("ws", draft({ subjectId: null }))).not.toBe(lockIdentity("ws", draft({})));
    expect(lockIdentity("other", draft({}))).not.toBe(lockIdentity("ws", draft({})));
  });
});
