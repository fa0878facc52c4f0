// Package progress writes the one status line of airkeep's example
// programs (STYLE.md: one progress line on stderr, "\r" on a terminal,
// periodic lines otherwise).
//
//	p := progress.New(os.Stderr)
//	defer p.Done()
//	p.Print("12s recording | source: 6 segs")
package progress

import (
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// Line writes status lines to w: rewritten in place on a terminal, one
// line each otherwise. It is not safe for concurrent use.
type Line struct {
	w   io.Writer
	tty bool
	n   int // width of the line on screen, in runes
}

// New returns a Line writing to w, in place when w is a terminal.
func New(w io.Writer) *Line {
	l := &Line{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			l.tty = true
		}
	}
	return l
}

// Print shows s as the current status. On a terminal it overwrites the
// previous line, padding with spaces what a longer previous line left.
func (l *Line) Print(s string) {
	if !l.tty {
		fmt.Fprintln(l.w, s)
		return
	}
	// fmt pads to a width in runes: so is n counted.
	fmt.Fprintf(l.w, "\r%-*s", l.n, s)
	l.n = utf8.RuneCountInString(s)
}

// Done ends an in-place line with a newline, so that what is printed next
// starts on a line of its own.
func (l *Line) Done() {
	if l.tty && l.n > 0 {
		fmt.Fprintln(l.w)
		l.n = 0
	}
}
