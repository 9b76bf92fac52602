/**
 * The nice value the local models' threads run at (the embedder's, the reranker's, and the pool
 * threads ONNX Runtime starts from them, which inherit it). A model keeps every core busy for as
 * long as it has work, and on a small machine its threads outnumber the cores: at the default
 * priority, reads that use no model (GetMemory, the database's thread) waited their turn behind
 * it, up to seconds during a burst of reranked searches. Niced, the models take what the rest of
 * the server leaves, and lose nothing when it is idle. On Linux a thread's nice value is its own.
 */
export const MODEL_THREAD_NICE = 10;
