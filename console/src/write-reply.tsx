import { WriteOutcome, type WriteMemoryResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";

/**
 * What the write guard made of one write: its outcome, why, how sure, what it superseded and
 * the possible conflicts. Shown for a write just made or previewed (Create) and for each write of
 * a staged write, whose preview and results are the same replies.
 */
export function WriteReply({
  reply,
  lead = "",
  stored,
}: {
  reply: WriteMemoryResponse;
  /** Words before the outcome, such as "would be " for a write not made yet. */
  lead?: string;
  /** Whether the write was made: only then is there a memory to open. */
  stored: boolean;
}) {
  return (
    <>
      <strong>
        {lead}
        {WriteOutcome[reply.outcome]}
      </strong>
      <p>{reply.reason}</p>
      <p>Guard confidence: {reply.guardConfidence.toFixed(2)}</p>
      {stored && reply.memory && <a href={`#/memories/${reply.memory.id}`}>Open the memory</a>}
      {reply.superseded.length > 0 && (
        <p>
          Superseded: <MemoryLinks ids={reply.superseded} />
        </p>
      )}
      {reply.possibleConflicts.length > 0 && (
        <div class="conflicts">
          <p>Possible conflicts about the same subject (the guard changed none of them):</p>
          <ul>
            {reply.possibleConflicts.map((c) => (
              <li key={c.memory?.id}>
                <a href={`#/memories/${c.memory?.id ?? ""}`}>{c.memory?.content}</a> (similarity{" "}
                {c.similarity.toFixed(2)}){c.contradicts && `; contradicts it: ${c.contradiction}`}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

/** Memories named by id, each a link to its page. */
export function MemoryLinks({ ids }: { ids: string[] }) {
  return (
    <>
      {ids.map((id, i) => (
        <span key={id}>
          {i > 0 && ", "}
          <a href={`#/memories/${id}`}>{id}</a>
        </span>
      ))}
    </>
  );
}
