"""Smoke test of the Python client package (gen/python) over real gRPC (h2c).

test/e2e/clients/python.test.ts builds the wheel, installs it into a fresh venv outside the
repository, starts a server and runs this script there with ENGRAM_ADDR (host:port) and
ENGRAM_API_KEY set. It exits non-zero at the first failed check.
"""

import os
import uuid

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from engram.v1 import memory_pb2, memory_service_pb2, memory_service_pb2_grpc


def main() -> None:
    addr, key = os.environ["ENGRAM_ADDR"], os.environ["ENGRAM_API_KEY"]
    call = {"metadata": [("authorization", f"Bearer {key}")], "timeout": 60}
    # The server's database is fresh, but a subject of our own keeps the assertions honest anyway.
    subject_id = f"python-smoke-{uuid.uuid4().hex}"
    with grpc.insecure_channel(addr) as channel:
        stub = memory_service_pb2_grpc.MemoryServiceStub(channel)

        def write(content: str) -> memory_service_pb2.WriteMemoryResponse:
            memory = memory_pb2.Memory(
                subject_type="contact", subject_id=subject_id, kind="pitch", key="angle", content=content
            )
            return stub.WriteMemory(memory_service_pb2.WriteMemoryRequest(memory=memory), **call)

        first = write("Pitched follow-up sequences; angle: time savings")
        assert first.outcome == memory_service_pb2.WRITE_OUTCOME_CREATED, first
        memory_id = first.memory.id
        assert memory_id

        content = "Pitched follow-up sequences; angle: fewer missed leads"
        second = write(content)
        assert second.outcome == memory_service_pb2.WRITE_OUTCOME_UPDATED, second
        assert second.memory.id == memory_id

        subject_filter = memory_pb2.MemoryFilter(subject_type="contact", subject_id=subject_id, kinds=["pitch"])
        listed = stub.ListMemories(memory_service_pb2.ListMemoriesRequest(filter=subject_filter), **call)
        assert [(m.id, m.content) for m in listed.memories] == [(memory_id, content)], listed

        search = memory_service_pb2.SearchMemoriesRequest(query="missed leads", filter=subject_filter)
        assert memory_id in [result.memory.id for result in stub.SearchMemories(search, **call)]

        stub.DeleteMemory(memory_service_pb2.DeleteMemoryRequest(id=memory_id), **call)
        subject_only = memory_pb2.MemoryFilter(subject_type="contact", subject_id=subject_id)
        after = stub.ListMemories(memory_service_pb2.ListMemoriesRequest(filter=subject_only), **call)
        assert list(after.memories) == [], after

        # Errors carry a google.rpc.ErrorInfo (grpcio-status decodes the details) to match on.
        missing = memory_service_pb2.GetMemoryRequest(id="0190a000-0000-7000-8000-000000000000")
        try:
            stub.GetMemory(missing, **call)
            raise AssertionError("GetMemory of a missing memory succeeded")
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.NOT_FOUND, err
            status = rpc_status.from_call(err)
            assert status is not None, "no google.rpc.Status in the trailers"
            reasons = []
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    reasons.append(info.reason)
            assert reasons == ["MEMORY_NOT_FOUND"], reasons

        watch_and_resume(stub, call, subject_id=f"{subject_id}-watch")
    print("python client smoke: ok")


def watch_and_resume(stub: memory_service_pb2_grpc.MemoryServiceStub, call: dict, subject_id: str) -> None:
    """Watches a subject's changes, closes the stream, and resumes after the last cursor it saw.

    Every event carries a cursor, the opening heartbeat's included: after a reconnect,
    after_cursor resumes with exactly the changes that followed it.
    """
    watched = memory_pb2.MemoryFilter(subject_type="contact", subject_id=subject_id)
    notes = ["Prefers email over phone calls", "Signs off on the Q3 budget", "Asked for a demo next Tuesday"]

    def note(content: str) -> None:
        memory = memory_pb2.Memory(subject_type="contact", subject_id=subject_id, kind="note", content=content)
        stub.WriteMemory(memory_service_pb2.WriteMemoryRequest(memory=memory), **call)

    stream = stub.WatchMemories(memory_service_pb2.WatchMemoriesRequest(filter=watched), **call)
    opening = next(stream)
    assert opening.WhichOneof("event") == "heartbeat", opening
    cursor = opening.heartbeat.cursor
    note(notes[0])
    note(notes[1])
    seen = []
    for response in stream:
        event = response.WhichOneof("event")
        cursor = getattr(response, event).cursor
        if event == "change":
            seen.append(response.change.memory.content)
        if len(seen) == 2:
            break
    stream.cancel()
    assert seen == notes[:2], seen

    note(notes[2])  # while nothing watches
    resume = memory_service_pb2.WatchMemoriesRequest(filter=watched, after_cursor=cursor)
    stream = stub.WatchMemories(resume, **call)
    resumed = []
    for response in stream:
        if response.WhichOneof("event") != "change":
            continue
        assert response.change.change == memory_pb2.MEMORY_CHANGE_CREATED, response
        resumed.append(response.change.memory.content)
        if response.change.memory.content == notes[2]:
            break
    stream.cancel()
    assert resumed == notes[2:], f"the resumed stream delivers the third change alone: {resumed}"


if __name__ == "__main__":
    main()
