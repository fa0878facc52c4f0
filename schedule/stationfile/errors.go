package stationfile

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is an error or a warning about a station file, located by
// line (0 when unknown) and key path ("programs[1].schedules[0].zone").
type Problem struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Problem) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Error lists every error found in a station file, one per line, so that
// a person fixes them in one pass.
type Error struct{ Problems []*Problem }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, fe := range e.Problems {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}

// problems collects errors and warnings while a file is checked.
type problems struct {
	file  string
	keys  *keyLines
	errs  []*Problem
	warns []*Problem
}

func (p *problems) at(field, format string, args ...any) *Problem {
	line := 0
	if p.keys != nil {
		line = p.keys.line(field)
	}
	return &Problem{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (p *problems) errorf(field, format string, args ...any) {
	p.errs = append(p.errs, p.at(field, format, args...))
}

func (p *problems) warnf(field, format string, args ...any) {
	p.warns = append(p.warns, p.at(field, format, args...))
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return &Error{Problems: p.errs}
}
