package main

import (
	"context"
	"log"
	"os"
)

func Example() {
	if err := run(context.Background(), os.TempDir()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// provider: local
	// search hits: 2
}
