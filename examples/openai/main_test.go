package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/xentreetest"
)

// TestAsk runs the example against xentreetest's fake OpenAI server on
// loopback, which speaks the real wire format, so the real client runs.
// (An Example function cannot own the fake server's lifetime.)
func TestAsk(t *testing.T) {
	fake := xentreetest.NewFakeOpenAI(t)
	fake.SetReply("Chlorophyll breaks down, revealing yellow and orange pigments.")
	var out bytes.Buffer
	cfg := xentree.OpenAIConfig{APIKey: "sk-example", BaseURL: fake.URL() + "/v1"}
	if err := ask(context.Background(), &out, cfg, "Why do leaves change colour?"); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "openai: Chlorophyll breaks down, revealing yellow and orange pigments.\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
