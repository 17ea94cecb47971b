package xentree_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
)

// An application with its own accounts embeds Xentree and acts for its users.
func Example() {
	dir, _ := os.MkdirTemp("", "xentree-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()

	user, err := eng.EnsureUser(ctx, "app-user-42", "Ada@Example.com")
	if err != nil {
		log.Fatal(err)
	}
	profile, err := eng.UpdateMe(ctx, user, auth.UpdateMeRequest{FullName: ptr("Ada Lovelace")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(profile.Email, profile.FullName, profile.Plan)
	// Output: ada@example.com Ada Lovelace free
}

func ptr[T any](v T) *T { return &v }
