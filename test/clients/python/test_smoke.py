"""Smoke test of the generated Python client (gen/python) over real gRPC (h2c).

test/clients/python.test.ts starts a server and runs pytest here with ENGRAM_ADDR (host:port)
and ENGRAM_API_KEY set.
"""

import os
import uuid

import grpc
import pytest

from engram.v1 import memory_pb2, memory_service_pb2, memory_service_pb2_grpc


@pytest.fixture
def client():
    addr, key = os.environ.get("ENGRAM_ADDR"), os.environ.get("ENGRAM_API_KEY")
    if not addr or not key:
        pytest.fail("ENGRAM_ADDR and ENGRAM_API_KEY must be set")
    with grpc.insecure_channel(addr) as channel:
        yield memory_service_pb2_grpc.MemoryServiceStub(channel), [("authorization", f"Bearer {key}")]


def test_memory_lifecycle(client):
    stub, auth = client
    call = {"metadata": auth, "timeout": 60}
    # The server's database is fresh, but a subject of our own keeps the assertions honest anyway.
    subject_id = f"python-smoke-{uuid.uuid4().hex}"

    def write(content):
        memory = memory_pb2.Memory(
            subject_type="contact", subject_id=subject_id, kind="pitch", key="angle", content=content
        )
        return stub.WriteMemory(memory_service_pb2.WriteMemoryRequest(memory=memory), **call)

    first = write("Pitched follow-up sequences; angle: time savings")
    assert first.outcome == memory_service_pb2.WRITE_OUTCOME_CREATED
    memory_id = first.memory.id
    assert memory_id

    content = "Pitched follow-up sequences; angle: fewer missed leads"
    second = write(content)
    assert second.outcome == memory_service_pb2.WRITE_OUTCOME_UPDATED
    assert second.memory.id == memory_id

    subject_filter = memory_pb2.MemoryFilter(subject_type="contact", subject_id=subject_id, kinds=["pitch"])
    listed = stub.ListMemories(memory_service_pb2.ListMemoriesRequest(filter=subject_filter), **call)
    assert [(m.id, m.content) for m in listed.memories] == [(memory_id, content)]

    search = memory_service_pb2.SearchMemoriesRequest(query="missed leads", filter=subject_filter)
    assert memory_id in [result.memory.id for result in stub.SearchMemories(search, **call)]

    stub.DeleteMemory(memory_service_pb2.DeleteMemoryRequest(id=memory_id), **call)
    subject_only = memory_pb2.MemoryFilter(subject_type="contact", subject_id=subject_id)
    after = stub.ListMemories(memory_service_pb2.ListMemoriesRequest(filter=subject_only), **call)
    assert list(after.memories) == []
