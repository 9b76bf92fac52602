// Smoke test of the Go client module (gen/go) over real gRPC (h2c). test/e2e/clients/go.test.ts copies
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
	"slices"
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

// connect dials the server at ENGRAM_ADDR and returns a client with a context that carries
// ENGRAM_API_KEY and a deadline, both ended when the test is.
func connect(t *testing.T) (engramv1.MemoryServiceClient, context.Context) {
	t.Helper()
	addr, key := os.Getenv("ENGRAM_ADDR"), os.Getenv("ENGRAM_API_KEY")
	if addr == "" || key == "" {
		t.Fatal("ENGRAM_ADDR and ENGRAM_API_KEY must be set")
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return engramv1.NewMemoryServiceClient(conn), metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
}

// uniqueSubject names a subject of this run's own: the server's database is fresh, but that
// keeps the assertions honest anyway.
func uniqueSubject(t *testing.T, prefix string) string {
	t.Helper()
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(suffix)
}

func TestMemoryLifecycle(t *testing.T) {
	client, ctx := connect(t)
	subjectID := uniqueSubject(t, "go-smoke-")
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

// TestWatchAndResume watches a subject's changes, closes the stream, and resumes after the
// cursor of the last change it received: the new stream delivers exactly the changes after it.
func TestWatchAndResume(t *testing.T) {
	client, ctx := connect(t)
	watched := &engramv1.MemoryFilter{SubjectType: "contact", SubjectId: uniqueSubject(t, "go-watch-")}
	notes := []string{"Prefers email over phone calls", "Signs off on the Q3 budget", "Asked for a demo next Tuesday"}
	note := func(content string) {
		t.Helper()
		memory := &engramv1.Memory{SubjectType: "contact", SubjectId: watched.GetSubjectId(), Kind: "note", Content: content}
		if _, err := client.WriteMemory(ctx, &engramv1.WriteMemoryRequest{Memory: memory}); err != nil {
			t.Fatalf("write %q: %v", content, err)
		}
	}
	// nextChange reads past heartbeats to the stream's next change.
	nextChange := func(stream engramv1.MemoryService_WatchMemoriesClient) *engramv1.ChangeEvent {
		t.Helper()
		for {
			event, err := stream.Recv()
			if err != nil {
				t.Fatalf("watch: %v", err)
			}
			if change := event.GetChange(); change != nil {
				return change
			}
		}
	}

	// Cancelling a stream's context closes it.
	liveCtx, closeLive := context.WithCancel(ctx)
	defer closeLive()
	live, err := client.WatchMemories(liveCtx, &engramv1.WatchMemoriesRequest{Filter: watched})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	// The opening heartbeat says the stream is live: what is written from now on arrives.
	if opening, err := live.Recv(); err != nil || opening.GetHeartbeat().GetCursor() == "" {
		t.Fatalf("watch opened with %v, %v; want a heartbeat with a cursor", opening, err)
	}
	note(notes[0])
	note(notes[1])
	first, second := nextChange(live), nextChange(live)
	closeLive()
	if got := []string{first.GetMemory().GetContent(), second.GetMemory().GetContent()}; !slices.Equal(got, notes[:2]) {
		t.Fatalf("watch: changes %q, want %q", got, notes[:2])
	}

	note(notes[2]) // while nothing watches
	resumedCtx, closeResumed := context.WithCancel(ctx)
	defer closeResumed()
	resumed, err := client.WatchMemories(resumedCtx, &engramv1.WatchMemoriesRequest{
		Filter: watched, AfterCursor: second.GetCursor(),
	})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	// Changes arrive in commit order, so a repeat of the first two would come before the third.
	third := nextChange(resumed)
	if got := third.GetMemory().GetContent(); got != notes[2] || third.GetChange() != engramv1.MemoryChange_MEMORY_CHANGE_CREATED {
		t.Fatalf("resume: first change %v %q, want CREATED %q", third.GetChange(), got, notes[2])
	}
}
