import type { JsonObject } from "@bufbuild/protobuf";
import { useState } from "preact/hooks";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { WriteMemoryResponse } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { ErrorBox } from "../error-box.js";
import { Field, listOf, Section, Select } from "../field.js";
import { WriteReply } from "../write-reply.js";

const EMPTY = {
  subjectType: "",
  subjectId: "",
  kind: "",
  key: "",
  agentId: "",
  title: "",
  content: "",
  tags: "",
  visibility: String(Visibility.PRIVATE),
  metadata: "{}",
};

/**
 * A write, with its outcome, the guard's confidence and any possible conflicts shown; Preview
 * is the same write with validate_only.
 */
export function Create({ api }: { api: Api }) {
  const [form, setForm] = useState(EMPTY);
  const [result, setResult] = useState<{ preview: boolean; reply: WriteMemoryResponse } | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const set = (name: keyof typeof EMPTY) => (value: string) => setForm({ ...form, [name]: value });

  const write = async (preview: boolean) => {
    setError(null);
    setResult(null);
    try {
      let metadata: JsonObject;
      try {
        metadata = JSON.parse(form.metadata) as JsonObject;
      } catch {
        throw new Error("metadata is not valid JSON");
      }
      const reply = await api.memories.writeMemory({
        validateOnly: preview,
        memory: { ...form, tags: listOf(form.tags), visibility: Number(form.visibility) as Visibility, metadata },
      });
      setResult({ preview, reply });
    } catch (err) {
      setError(shownError(err));
    }
  };

  return (
    <Section title="Create a memory">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void write(false);
        }}
      >
        <Field label="Subject type" value={form.subjectType} onInput={set("subjectType")} />
        <Field label="Subject id" value={form.subjectId} onInput={set("subjectId")} />
        <Field label="Kind (classified when empty)" value={form.kind} onInput={set("kind")} />
        <Field label="Key (makes the write an upsert)" value={form.key} onInput={set("key")} />
        <Field label="Agent" value={form.agentId} onInput={set("agentId")} />
        <Field label="Title" value={form.title} onInput={set("title")} />
        <Field label="Content" value={form.content} onInput={set("content")} multiline />
        <Field label="Tags (comma-separated)" value={form.tags} onInput={set("tags")} />
        <Select
          label="Visibility"
          value={form.visibility}
          options={[
            [String(Visibility.PRIVATE), "Private"],
            [String(Visibility.SHARED), "Shared"],
          ]}
          onChange={set("visibility")}
        />
        <Field label="Metadata (JSON)" value={form.metadata} onInput={set("metadata")} multiline />
        <div class="actions">
          <button type="button" onClick={() => void write(true)}>
            Preview
          </button>
          <button type="submit">Save</button>
        </div>
      </form>
      <ErrorBox error={error} />
      {result && (
        <div class="outcome" role="status">
          <WriteReply reply={result.reply} lead={result.preview ? "Preview: would be " : ""} stored={!result.preview} />
        </div>
      )}
    </Section>
  );
}
