"""The Engram retriever in a real LangChain (LCEL) chain; keyword search (no embedder here)."""

import os

import grpc
from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnablePassthrough

from engram.v1 import memory_pb2, memory_service_pb2, memory_service_pb2_grpc
from engram_langgraph import EngramRetriever

channel = grpc.insecure_channel(os.environ["ENGRAM_ADDR"])
api_key = os.environ["ENGRAM_API_KEY"]
memories = memory_service_pb2_grpc.MemoryServiceStub(channel)
for subject_id, content in [
    ("acme", "Acme renews its contract in March"),
    ("acme", "Acme's CTO is Dana Reyes"),
    ("globex", "Globex renews its contract in June"),
]:
    memories.WriteMemory(
        memory_service_pb2.WriteMemoryRequest(
            memory=memory_pb2.Memory(subject_type="company", subject_id=subject_id, kind="fact", content=content)
        ),
        metadata=[("authorization", f"Bearer {api_key}")],
    )

retriever = EngramRetriever(
    channel=channel,
    api_key=api_key,
    filter={"subject_type": "company", "subject_id": "acme"},
    mode="SEARCH_MODE_KEYWORD",
    top_k=5,
)
documents = retriever.invoke("when does the contract renew")
assert documents[0].page_content == "Acme renews its contract in March", documents
assert documents[0].metadata["subject_id"] == "acme" and documents[0].metadata["score"] > 0
assert all(d.metadata["subject_id"] == "acme" for d in documents)

chain = {
    "context": retriever | (lambda docs: "\n".join(f"- {d.page_content}" for d in docs)),
    "question": RunnablePassthrough(),
} | PromptTemplate.from_template("Known facts:\n{context}\n\nQuestion: {question}")
prompt = chain.invoke("when does the contract renew").to_string()
assert "- Acme renews its contract in March" in prompt and "Globex" not in prompt, prompt
assert prompt.endswith("Question: when does the contract renew"), prompt
print("chain: the retriever's memories filled the prompt")
