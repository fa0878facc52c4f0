package streamer

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
)

// logLine is one line of Liquidsoap's log as printed on stdout:
// "2026/11/23 08:42:42 [server:3] Socket created at /run/x.sock." Lines of
// another shape (ffmpeg's own messages, script errors on stderr) have an
// empty label and level 0.
type logLine struct {
	label string
	level int // Liquidsoap's: 1 critical, 2 severe, 3 important, 4 info, 5 debug
	msg   string
}

func parseLogLine(s string) logLine {
	// Date and time: "YYYY/MM/DD HH:MM:SS ", 20 bytes.
	if len(s) < 24 || s[4] != '/' || s[7] != '/' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' || s[20] != '[' {
		return logLine{msg: s}
	}
	rest := s[21:]
	end := strings.Index(rest, "] ")
	if end < 0 {
		return logLine{msg: s}
	}
	label, lvl, ok := strings.Cut(rest[:end], ":")
	if !ok || len(lvl) != 1 || lvl[0] < '1' || lvl[0] > '5' || label == "" {
		return logLine{msg: s}
	}
	return logLine{label: label, level: int(lvl[0] - '0'), msg: rest[end+2:]}
}

func (l logLine) slogLevel(stderr bool) slog.Level {
	switch {
	case l.level == 1:
		return slog.LevelError
	case l.level == 2:
		return slog.LevelWarn
	case l.level == 3:
		return slog.LevelInfo
	case l.level >= 4:
		return slog.LevelDebug
	case stderr:
		// Unlabelled stderr: script errors, ffmpeg complaints.
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// outputTail keeps the last lines a process printed, for error messages:
// the reason Liquidsoap refused a script is on its stderr.
type outputTail struct {
	mu    sync.Mutex
	lines []string
	max   int
}

func (t *outputTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == t.max {
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:t.max-1]
	}
	t.lines = append(t.lines, line)
}

func (t *outputTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

func (t *outputTail) reset() {
	t.mu.Lock()
	t.lines = t.lines[:0]
	t.mu.Unlock()
}

// maxLogLine bounds one forwarded line; Liquidsoap prints long lines (its
// library versions) but nothing near this.
const maxLogLine = 8 << 10

// lineWriter forwards what a process writes, line by line, to a logger and
// to the tail. exec.Cmd calls Write from one goroutine per stream.
type lineWriter struct {
	log    *slog.Logger
	tail   *outputTail
	stderr bool
	buf    []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			if len(w.buf) > maxLogLine {
				w.emit()
			}
			break
		}
		w.buf = append(w.buf, p[:i]...)
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

// flush emits a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit()
	}
}

func (w *lineWriter) emit() {
	line := strings.TrimRight(string(w.buf), "\r")
	w.buf = w.buf[:0]
	if len(line) > maxLogLine {
		line = line[:maxLogLine]
	}
	if line == "" {
		return
	}
	w.tail.add(line)
	l := parseLogLine(line)
	attrs := []slog.Attr{}
	if l.label != "" {
		attrs = append(attrs, slog.String("label", l.label))
	}
	if w.stderr {
		attrs = append(attrs, slog.Bool("stderr", true))
	}
	w.log.LogAttrs(context.Background(), l.slogLevel(w.stderr), l.msg, attrs...)
}
