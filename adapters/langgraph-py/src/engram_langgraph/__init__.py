"""LangGraph's store and LangChain's retriever over Engram (docs/adapters.md)."""

from engram_langgraph.retriever import EngramRetriever
from engram_langgraph.store import EngramStore

__all__ = ["EngramRetriever", "EngramStore"]
