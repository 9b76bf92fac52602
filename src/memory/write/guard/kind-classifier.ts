import type { Embedded } from "../../../embedding/embeddings.js";
import { cosineSimilarity } from "./similarity.js";
import { DEFAULT_KIND, KIND_PROTOTYPES } from "./kind-prototypes.js";

/** The kind chosen for a memory written without one, and how sure of it the guard is (0..1). */
export interface Classification {
  kind: string;
  confidence: number;
  reason: string;
}

/** Anything that embeds texts with the write path's model (Embeddings, or a bare embedder in the benchmark). */
export interface PrototypeEmbedder {
  embed(texts: string[]): Promise<Embedded[]>;
}

/** A kind's score: the mean similarity of its this many examples nearest to the content. */
const NEAREST_PER_KIND = 4;

/**
 * How peaked the confidence is: the softmax temperature over each kind's best similarity.
 * At 0.05, a kind ahead by 0.05 in cosine similarity gets e times the weight of the next.
 */
const TEMPERATURE = 0.05;

interface Prototypes {
  model: string;
  kinds: string[];
  vectors: number[][];
}

/**
 * Nearest labelled examples: a content takes the kind whose prototypes (kind-prototypes.ts)
 * are nearest to it, by the mean similarity of each kind's four nearest, with the configured
 * embedder; no language model involved. Without a
 * vector (no embedder, or not within the write budget) it falls back to DEFAULT_KIND.
 */
export class KindClassifier {
  private prototypes: Promise<Prototypes | null> | null = null;

  constructor(private readonly embedder: PrototypeEmbedder) {}

  async classify(vector: Embedded | null): Promise<Classification> {
    const prototypes = vector === null ? null : await this.prototypesFor(vector.model);
    if (vector === null || prototypes === null) {
      return { kind: DEFAULT_KIND, confidence: 0, reason: `no vector to classify by; kind ${DEFAULT_KIND} by default` };
    }
    const similarities = new Map<string, number[]>();
    prototypes.vectors.forEach((prototype, i) => {
      const kind = prototypes.kinds[i] ?? DEFAULT_KIND;
      similarities.set(kind, [...(similarities.get(kind) ?? []), cosineSimilarity(vector.vector, prototype)]);
    });
    const ranked = [...similarities]
      .map(([kind, all]) => {
        const nearest = all.sort((a, b) => b - a).slice(0, NEAREST_PER_KIND);
        return [kind, nearest.reduce((sum, s) => sum + s, 0) / nearest.length] as const;
      })
      .sort((a, b) => b[1] - a[1]);
    const [kind, top] = ranked[0] ?? [DEFAULT_KIND, 0];
    const weights = ranked.map(([, s]) => Math.exp((s - top) / TEMPERATURE));
    const confidence = 1 / weights.reduce((sum, w) => sum + w, 0);
    return { kind, confidence, reason: `classified as ${kind} (nearest examples, similarity ${top.toFixed(2)})` };
  }

  /** The prototypes' vectors by the given model, computed once; null while the embedder cannot give them. */
  private async prototypesFor(model: string): Promise<Prototypes | null> {
    const cached = await this.prototypes;
    if (cached?.model === model) return cached;
    const kinds = Object.entries(KIND_PROTOTYPES).flatMap(([kind, examples]) => examples.map(() => kind));
    const texts = Object.values(KIND_PROTOTYPES).flat();
    this.prototypes = this.embedder.embed(texts).then(
      (embedded) =>
        embedded.every((e) => e.model === model) ? { model, kinds, vectors: embedded.map((e) => e.vector) } : null,
      () => null,
    );
    const computed = await this.prototypes;
    // A failure is not cached: the next write tries again.
    if (computed === null) this.prototypes = null;
    return computed;
  }
}
