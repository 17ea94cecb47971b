package loadgen

import (
	"os"
	"testing"
)

func TestMemoryOfThisProcess(t *testing.T) {
	m, err := Memory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Anon <= 0 || m.File <= 0 || m.RSS < m.Anon+m.File {
		t.Fatalf("memory = %+v: want both parts positive and RSS at least their sum", m)
	}
	if _, err := Memory(-1); err == nil {
		t.Fatal("no error for a process that does not exist")
	}
}
