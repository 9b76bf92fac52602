import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { Code } from "@connectrpc/connect";
import {
  WriteOutcome,
  type BatchWriteResult,
  type WriteMemoryRequest,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteState, type StagedWrite } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { shownError, statusError, type Api, type ShownError } from "../api.js";
import { StagedStateBadge } from "../badges.js";
import { ErrorBox } from "../error-box.js";
import { Section } from "../field.js";
import { MemoryLinks, WriteReply } from "../write-reply.js";

/**
 * One staged write: each of its writes with what it would do (the preview, as things stood when
 * staged) and, once applied, what it did; Apply and Discard while it is pending.
 */
export function StagedWritePage({ api, id }: { api: Api; id: string }) {
  const [staged, setStaged] = useState<StagedWrite | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState("");

  const attempt = async (action: () => Promise<void>) => {
    setError(null);
    setNotice("");
    try {
      await action();
    } catch (err) {
      setError(shownError(err));
    }
  };
  useEffect(() => {
    void attempt(async () => setStaged((await api.stagedWrites.getStagedWrite({ id })).stagedWrite ?? null));
  }, [api, id]);

  if (staged === null) {
    return (
      <Section title="Staged write">
        <ErrorBox error={error} />
      </Section>
    );
  }
  const apply = () =>
    attempt(async () => {
      const applied = (await api.stagedWrites.applyStagedWrite({ id })).stagedWrite;
      if (applied === undefined) return;
      setStaged(applied);
      setNotice(`Applied: ${applied.results.map(outcomeOf).join(", ")}`);
    });
  const discard = () =>
    attempt(async () => {
      const discarded = (await api.stagedWrites.discardStagedWrite({ id })).stagedWrite;
      if (discarded === undefined) return;
      setStaged(discarded);
      setNotice("Discarded: nothing was written");
    });

  return (
    <Section title="Staged write">
      <ErrorBox error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <dl class="fields">
        <dt>Id</dt>
        <dd>
          <code>{staged.id}</code>
        </dd>
        <dt>State</dt>
        <dd>
          <StagedStateBadge state={staged.state} />
        </dd>
        <dt>Agent</dt>
        <dd>{staged.agentId || "—"}</dd>
        <dt>Staged by key</dt>
        <dd>
          <code>{staged.stagedByKeyId}</code>
        </dd>
        <dt>Atomic</dt>
        <dd>{staged.atomic ? "yes: all its writes or none" : "no: each write on its own"}</dd>
        <dt>Staged</dt>
        <dd>{staged.createTime && timestampDate(staged.createTime).toISOString()}</dd>
        <dt>Expires</dt>
        <dd>{staged.expireTime && timestampDate(staged.expireTime).toISOString()}</dd>
        {staged.resolveTime && (
          <>
            <dt>Resolved</dt>
            <dd>{timestampDate(staged.resolveTime).toISOString()}</dd>
          </>
        )}
      </dl>

      {staged.state === StagedWriteState.PENDING && (
        <div class="actions">
          <button type="button" onClick={() => void apply()}>
            Apply
          </button>
          <button type="button" class="danger" onClick={() => void discard()}>
            Discard
          </button>
        </div>
      )}

      <h2>Writes</h2>
      <ol class="staged-writes">
        {staged.requests.map((request, i) => (
          <li key={i}>
            <h3>Write {i + 1}</h3>
            <RequestFields request={request} />
            <div class="columns">
              <Result title="Preview" result={staged.preview[i]} lead="Would be " stored={false} />
              <Result title="Result" result={staged.results[i]} stored />
            </div>
          </li>
        ))}
      </ol>
    </Section>
  );
}

/** The write as it will be performed: what it is about and says, and what it replaces. */
function RequestFields({ request }: { request: WriteMemoryRequest }) {
  const m = request.memory;
  return (
    <dl class="fields">
      <dt>Subject</dt>
      <dd>
        {m?.subjectType}
        {m?.subjectId && `/${m.subjectId}`}
      </dd>
      <dt>Kind</dt>
      <dd>{m?.kind || "classified when written"}</dd>
      <dt>Key</dt>
      <dd>{m?.key || "—"}</dd>
      <dt>Agent</dt>
      <dd>{m?.agentId || "—"}</dd>
      {m?.title && (
        <>
          <dt>Title</dt>
          <dd>{m.title}</dd>
        </>
      )}
      <dt>Content</dt>
      <dd>{m?.content}</dd>
      <dt>Tags</dt>
      <dd>{m?.tags.join(", ") || "—"}</dd>
      {(request.supersedes.length > 0 || request.supersedeConflicts) && (
        <>
          <dt>Supersedes</dt>
          <dd>
            <MemoryLinks ids={request.supersedes} />
            {request.supersedeConflicts && <p>Every possible conflict the guard finds contradicting it</p>}
          </dd>
        </>
      )}
    </dl>
  );
}

/** One write's preview or result: the guard's reply, or the refusal; nothing when there is none (yet). */
function Result({
  title,
  result,
  lead,
  stored,
}: {
  title: string;
  result: BatchWriteResult | undefined;
  lead?: string;
  stored: boolean;
}) {
  if (result?.result.case === undefined) return null;
  return (
    <div class="outcome">
      <h4>{title}</h4>
      {result.result.case === "response" ? (
        <WriteReply reply={result.result.value} lead={lead} stored={stored} />
      ) : (
        <ErrorBox error={statusError(result.result.value)} announce={false} />
      )}
    </div>
  );
}

/** A result in a word, for the notice after Apply. */
function outcomeOf(result: BatchWriteResult): string {
  switch (result.result.case) {
    case "response":
      return WriteOutcome[result.result.value.outcome];
    case "error":
      return Code[result.result.value.code] ?? "refused";
    case undefined:
      return "no result";
  }
}
