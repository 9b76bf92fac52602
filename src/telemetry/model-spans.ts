import { ATTR } from "./attributes.js";
import { inSpan } from "./spans.js";

/**
 * A span for a call to a model (`embeddings <model>`, `rerank <model>`, as the GenAI conventions
 * name an operation on a model), with how many texts it was given: never the texts. The call's
 * time includes its wait for the model's batch and thread.
 */
export function modelSpan<T>(
  operation: "embeddings" | "rerank",
  model: string,
  texts: number,
  call: () => Promise<T>,
): Promise<T> {
  const attributes = {
    [ATTR.genAiOperation]: operation,
    [ATTR.genAiModel]: model,
    [ATTR.genAiProvider]: providerOf(model),
    "engram.model.texts": texts,
  };
  return inSpan(`${operation} ${model}`, { attributes }, () => call());
}

/** Engram's model ids start with where the model runs ("local:...", "openai:..."). */
function providerOf(model: string): string {
  const colon = model.indexOf(":");
  return colon > 0 ? model.slice(0, colon) : "engram";
}
