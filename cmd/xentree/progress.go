package main

import (
	"fmt"
	"io"
	"strings"
)

// progressBar redraws one line in place (with a carriage return) as a
// long operation advances. It writes only when the line changes, so a fast
// rebuild does not flood a log that captures stderr.
type progressBar struct {
	w     io.Writer
	label string
	last  string
}

// barWidth is the number of cells in the bar; with the counts the line
// stays within 80 columns for indexes up to billions of documents.
const barWidth = 30

func (b *progressBar) update(done, total int) {
	line := renderBar(b.label, done, total, barWidth)
	if line == b.last {
		return
	}
	b.last = line
	fmt.Fprint(b.w, "\r"+line)
}

// finish ends the bar's line, so what follows starts on its own.
func (b *progressBar) finish() {
	if b.last != "" {
		fmt.Fprintln(b.w)
		b.last = ""
	}
}

// renderBar draws "label [####      ]  40% 400/1000". The total is the
// count when the work began; rows written meanwhile may carry done past
// it, and the bar then shows the larger number as the total rather than
// overflow.
func renderBar(label string, done, total, width int) string {
	done = max(done, 0)
	total = max(total, done)
	filled, pct := width, 100
	if total > 0 {
		filled, pct = done*width/total, done*100/total
	}
	return fmt.Sprintf("%s [%s%s] %3d%% %d/%d", label, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), pct, done, total)
}
