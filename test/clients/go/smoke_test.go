// Smoke test of the Go client module (gen/go) over real gRPC (h2c). test/clients/go.test.ts copies
// this module outside the repository, points it at gen/go with a replace directive, starts a
// server and runs `go test` there with ENGRAM_ADDR (host:port) and ENGRAM_API_KEY set.
package clients_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	engramv1 "github.com/engram-dev/engram/gen/go/engram/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestMemoryLifecycle(t *testing.T) {
	addr, key := os.Getenv("ENGRAM_ADDR"), os.Getenv("ENGRAM_API_KEY")
	if addr == "" || key == "" {
		t.Fatal("ENGRAM_ADDR and ENGRAM_API_KEY must be set")
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := engramv1.NewMemoryServiceClient(conn)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)

	// The server's database is fresh, but a subject of our own keeps the assertions honest anyway.
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	subjectID := "go-smoke-" + hex.EncodeToString(suffix)
	write := func(content string) (*engramv1.WriteMemoryResponse, error) {
		return client.WriteMemory(ctx, &engramv1.WriteMemoryRequest{Memory: &engramv1.Memory{
			SubjectType: "contact", SubjectId: subjectID, Kind: "pitch", Key: "angle", Content: content,
		}})
	}

	first, err := write("Pitched follow-up sequences; angle: time savings")
	if err != nil {
		t.Fatalf("first write: %v", err)
	}
	if first.GetOutcome() != engramv1.WriteOutcome_WRITE_OUTCOME_CREATED {
		t.Fatalf("first write: outcome %v, want CREATED", first.GetOutcome())
	}
	id := first.GetMemory().GetId()
	if id == "" {
		t.Fatal("first write: no id")
	}

	const content = "Pitched follow-up sequences; angle: fewer missed leads"
	second, err := write(content)
	if err != nil {
		t.Fatalf("second write: %v", err)
	}
	if got := second.GetMemory().GetId(); second.GetOutcome() != engramv1.WriteOutcome_WRITE_OUTCOME_UPDATED || got != id {
		t.Fatalf("second write: outcome %v id %q, want UPDATED %q", second.GetOutcome(), got, id)
	}

	filter := &engramv1.MemoryFilter{SubjectType: "contact", SubjectId: subjectID, Kinds: []string{"pitch"}}
	list, err := client.ListMemories(ctx, &engramv1.ListMemoriesRequest{Filter: filter})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if n := len(list.GetMemories()); n != 1 {
		t.Fatalf("list: %d memories, want 1", n)
	}
	if got := list.GetMemories()[0]; got.GetId() != id || got.GetContent() != content {
		t.Fatalf("list: got %q %q, want %q %q", got.GetId(), got.GetContent(), id, content)
	}

	search := &engramv1.SearchMemoriesRequest{Query: "missed leads", Filter: filter}
	stream, err := client.SearchMemories(ctx, search)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	found := false
	for {
		result, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("search: %v", err)
		}
		found = found || result.GetMemory().GetId() == id
	}
	if !found {
		t.Fatalf("search: %s not among the results", id)
	}

	if _, err := client.DeleteMemory(ctx, &engramv1.DeleteMemoryRequest{Id: id}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	after, err := client.ListMemories(ctx, &engramv1.ListMemoriesRequest{
		Filter: &engramv1.MemoryFilter{SubjectType: "contact", SubjectId: subjectID},
	})
	if err != nil {
		t.Fatalf("list after delete: %v", err)
	}
	if n := len(after.GetMemories()); n != 0 {
		t.Fatalf("list after delete: %d memories, want 0", n)
	}

	// Errors carry a google.rpc.ErrorInfo whose reason a program can match on.
	_, err = client.GetMemory(ctx, &engramv1.GetMemoryRequest{Id: "0190a000-0000-7000-8000-000000000000"})
	st, _ := status.FromError(err)
	if st.Code() != codes.NotFound {
		t.Fatalf("get of a missing memory: %v, want NotFound", err)
	}
	reason := ""
	for _, detail := range st.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			reason = info.GetReason()
		}
	}
	if reason != "MEMORY_NOT_FOUND" {
		t.Fatalf("get of a missing memory: reason %q, want MEMORY_NOT_FOUND", reason)
	}
}
