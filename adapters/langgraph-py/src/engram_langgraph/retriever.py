"""LangChain's retriever over SearchMemories (docs/adapters.md)."""

from datetime import timezone
from typing import Any

import grpc
from google.protobuf import json_format
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from engram.v1 import memory_pb2, memory_service_pb2, memory_service_pb2_grpc


class EngramRetriever(BaseRetriever):
    """Each result is a Document: the memory's content, and its id, score, subject, kind, key,
    tags, times and own metadata as the document's metadata.

    `filter` takes SearchMemories' filter as a dict of its JSON fields (`{"subject_type": ...}`);
    `mode` is "SEARCH_MODE_HYBRID" (the server's default when empty), "SEARCH_MODE_SEMANTIC" or
    "SEARCH_MODE_KEYWORD".
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    channel: grpc.Channel
    api_key: str
    filter: dict[str, Any] | None = None
    mode: str = ""
    # None: the workspace's search settings decide (rerank_by_default).
    rerank: bool | None = None
    top_k: int = 10
    min_score: float = 0.0

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        request = memory_service_pb2.SearchMemoriesRequest(
            query=query,
            filter=json_format.ParseDict(self.filter or {}, memory_pb2.MemoryFilter()),
            mode=memory_service_pb2.SearchMode.Value(self.mode) if self.mode else 0,
            rerank=self.rerank,
            top_k=self.top_k,
            min_score=self.min_score,
        )
        stub = memory_service_pb2_grpc.MemoryServiceStub(self.channel)
        auth = [("authorization", f"Bearer {self.api_key}")]
        return [_document_of(answer) for answer in stub.SearchMemories(request, metadata=auth)]


def _document_of(answer: memory_service_pb2.SearchMemoriesResponse) -> Document:
    memory = answer.memory
    return Document(
        id=memory.id,
        page_content=memory.content,
        metadata={
            "id": memory.id,
            "score": answer.score,
            "subject_type": memory.subject_type,
            "subject_id": memory.subject_id,
            "kind": memory.kind,
            "key": memory.key,
            "tags": list(memory.tags),
            "created_at": memory.create_time.ToDatetime(tzinfo=timezone.utc).isoformat(),
            "updated_at": memory.update_time.ToDatetime(tzinfo=timezone.utc).isoformat(),
            "metadata": json_format.MessageToDict(memory.metadata),
        },
    )
