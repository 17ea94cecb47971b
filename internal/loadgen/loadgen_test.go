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

func TestMedian(t *testing.T) {
	ms := []Mem{{RSS: 5, Anon: 1, File: 9}, {RSS: 1, Anon: 3, File: 8}, {RSS: 3, Anon: 2, File: 7}}
	if got, want := Median(ms), (Mem{RSS: 3, Anon: 2, File: 8}); got != want {
		t.Fatalf("Median = %+v, want %+v", got, want)
	}
	if got := Median(nil); got != (Mem{}) {
		t.Fatalf("Median(nil) = %+v", got)
	}
	if got := PeakRSS(ms); got != 5 {
		t.Fatalf("PeakRSS = %d, want 5", got)
	}
	if got, want := Peak(ms), ms[0]; got != want {
		t.Fatalf("Peak = %+v, want %+v, the whole sample", got, want)
	}
}
