// Command embed is Xentree as a library: open an engine on a folder, act
// for one of your application's users, chat and search, with no network
// and no server.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
)

func main() {
	if err := run(context.Background(), os.TempDir()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, parent string) error {
	dir, err := os.MkdirTemp(parent, "xentree-embed")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir})
	if err != nil {
		return err
	}
	defer eng.Close()

	// Your application's user 42, known to Xentree from now on.
	user, err := eng.EnsureUser(ctx, "user-42", "ada@example.com")
	if err != nil {
		return err
	}
	c, err := eng.CreateConversation(ctx, user, conversation.CreateRequest{Title: "Glaciers"})
	if err != nil {
		return err
	}
	answer, err := eng.Chat(ctx, user, conversation.ChatRequest{ConversationID: c.ID, Message: "How do glaciers move?"})
	if err != nil {
		return err
	}
	fmt.Println("provider:", answer.Provider)
	if err := eng.WaitIndexed(ctx); err != nil {
		return err
	}
	found, err := eng.Search(ctx, user, conversation.SearchRequest{Query: "glaciers"})
	if err != nil {
		return err
	}
	fmt.Println("search hits:", found.Total)
	return nil
}
