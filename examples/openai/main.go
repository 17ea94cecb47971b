// Command openai points Xentree at an OpenAI-compatible server: OpenAI
// itself, or Ollama, vLLM or LM Studio on your machine, and asks it one
// question through a conversation.
//
//	XENTREE_OPENAI_BASE_URL=http://localhost:11434/v1 XENTREE_OPENAI_MODEL=llama3.2 go run ./examples/openai
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
)

func main() {
	cfg := xentree.OpenAIConfig{
		APIKey:  os.Getenv("XENTREE_OPENAI_API_KEY"), // local servers need none
		BaseURL: os.Getenv("XENTREE_OPENAI_BASE_URL"),
		Model:   os.Getenv("XENTREE_OPENAI_MODEL"),
	}
	if cfg.APIKey == "" && cfg.BaseURL == "" {
		log.Fatal("set XENTREE_OPENAI_BASE_URL (and XENTREE_OPENAI_API_KEY for OpenAI itself)")
	}
	if err := ask(context.Background(), os.Stdout, cfg, "In one sentence: why do leaves change colour in autumn?"); err != nil {
		log.Fatal(err)
	}
}

// ask opens an engine on a temporary folder with the OpenAI-compatible
// provider as the default and prints its answer.
func ask(ctx context.Context, w io.Writer, cfg xentree.OpenAIConfig, question string) error {
	dir, err := os.MkdirTemp("", "xentree-openai")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir, AI: xentree.AIConfig{OpenAI: cfg, Default: "openai"}})
	if err != nil {
		return err
	}
	defer eng.Close()
	u, err := eng.EnsureUser(ctx, "example-user", "learner@example.com")
	if err != nil {
		return err
	}
	c, err := eng.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Autumn"})
	if err != nil {
		return err
	}
	r, err := eng.Chat(ctx, u, conversation.ChatRequest{ConversationID: c.ID, Message: question})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s\n", r.Provider, r.Content)
	return nil
}
