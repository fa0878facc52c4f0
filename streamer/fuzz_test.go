package streamer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for every parser of what Liquidsoap sends back. Seeds live
// in testdata/fuzz/FuzzX (real replies from Liquidsoap 2.1.3 among them)
// and run as ordinary tests; go test -fuzz=FuzzX runs a campaign.

func FuzzReadReply(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, max uint16) {
		limit := 16 + int(max)%4096
		body, _, err := readReply(bufio.NewReaderSize(bytes.NewReader(data), 16), limit, nil)
		idx := bytes.Index(data, []byte(terminator))
		switch {
		case err == nil:
			// The reply ends at the first terminator, within the limit.
			if idx != len(body) || !bytes.Equal(body, data[:idx]) {
				t.Fatalf("body %q, first terminator at %d", body, idx)
			}
			if len(body)+len(terminator) > limit {
				t.Fatalf("reply of %d bytes over the limit %d", len(body)+len(terminator), limit)
			}
		case errors.Is(err, ErrReplyTooLarge):
			if idx >= 0 && idx+len(terminator) <= limit {
				t.Fatalf("refused a reply of %d bytes under the limit %d", idx+len(terminator), limit)
			}
		case errors.Is(err, io.ErrUnexpectedEOF):
			if idx >= 0 || !bytes.Equal(body, data) {
				t.Fatalf("EOF reported with terminator at %d, partial %q", idx, body)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
		// Round trip: any body framed as Liquidsoap frames it reads back.
		framed := append(slices.Clone(data), terminator...)
		if bytes.Index(framed, []byte(terminator)) == len(data) {
			got, _, err := readReply(bufio.NewReader(bytes.NewReader(framed)), len(framed), nil)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("framed %q read back as %q, %v", data, got, err)
			}
		}
	})
}

// quoteMetadata quotes a value as Liquidsoap prints metadata: \" \\ \b \n
// \r \t, \uXXXX for other control characters, UTF-8 raw.
func quoteMetadata(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func FuzzParseMetadata(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, key, value string) {
		// Anything: no panic, and a consistent result.
		if m, err := parseMetadata(s, time.UTC); err == nil {
			if rid, err := parseRID(m.Fields["rid"]); err != nil || rid != m.RID {
				t.Fatalf("RID %d from rid %q", m.RID, m.Fields["rid"])
			}
			for k := range m.Fields {
				if k == "" || strings.Contains(k, "\n") {
					t.Fatalf("bad key %q", k)
				}
			}
		}
		// Round trip of a value as Liquidsoap prints it.
		if !isIdent(key) || !utf8.ValidString(value) {
			return
		}
		body := `rid="3"` + "\n" + key + "=" + quoteMetadata(value)
		fields, err := parseFields(body)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		want := value
		if key == "rid" {
			want = "3" // the first occurrence wins
		}
		if fields[key] != want {
			t.Fatalf("value %q read back as %q from %q", value, fields[key], body)
		}
	})
}

func FuzzParseRIDs(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		rids, err := parseRIDs(s)
		if err != nil {
			return
		}
		parts := make([]string, len(rids))
		for i, r := range rids {
			if r < 0 {
				t.Fatalf("negative rid %d", r)
			}
			parts[i] = strconv.Itoa(r)
		}
		again, err := parseRIDs(strings.Join(parts, " "))
		if err != nil || !slices.Equal(rids, again) {
			t.Fatalf("%v reformatted read back as %v, %v", rids, again, err)
		}
	})
}

func formatUptime(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%dd %02dh %02dm %02ds", s/86400, s/3600%24, s/60%60, s%60)
}

func FuzzParseUptime(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, secs uint32) {
		if d, err := parseUptime(s); err == nil {
			if d < 0 || d%time.Second != 0 {
				t.Fatalf("uptime %s from %q", d, s)
			}
			if again, err := parseUptime(formatUptime(d)); err != nil || again != d {
				t.Fatalf("%s reformatted read back as %s, %v", d, again, err)
			}
		}
		d := time.Duration(secs) * time.Second
		if got, err := parseUptime(formatUptime(d)); err != nil || got != d {
			t.Fatalf("%q read back as %s, %v", formatUptime(d), got, err)
		}
	})
}

func FuzzParseRemaining(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, ms uint32) {
		if d, err := parseRemaining(s); err == nil && d < 0 {
			t.Fatalf("negative remaining %s from %q", d, s)
		}
		want := time.Duration(ms) * time.Millisecond
		got, err := parseRemaining(strconv.FormatFloat(want.Seconds(), 'f', -1, 64))
		if err != nil || (got-want).Abs() > time.Microsecond {
			t.Fatalf("%s read back as %s, %v", want, got, err)
		}
	})
}

func FuzzParseHelp(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		names, err := parseHelp(s)
		if err != nil {
			return
		}
		if len(names) == 0 {
			t.Fatal("no names without an error")
		}
		for _, n := range names {
			if n == "" || strings.ContainsAny(n, " \n") {
				t.Fatalf("bad command name %q", n)
			}
		}
		sources := sourcesFromCommands(names)
		if !slices.IsSortedFunc(sources, func(a, b Source) int { return strings.Compare(a.ID, b.ID) }) {
			t.Fatal("sources not sorted")
		}
		for i, s := range sources {
			if i > 0 && sources[i-1].ID == s.ID {
				t.Fatalf("duplicate source %q", s.ID)
			}
			if builtinNamespaces[s.ID] || len(s.Commands) == 0 {
				t.Fatalf("bad source %+v", s)
			}
		}
	})
}

func FuzzParseVarList(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		vars, err := parseVarList(s)
		if err != nil {
			return
		}
		var lines []string
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			if k == "" || strings.ContainsAny(k, " =\n") || vars[k] == "" {
				t.Fatalf("bad variable %q : %q", k, vars[k])
			}
			lines = append(lines, k+" : "+vars[k])
		}
		again, err := parseVarList(strings.Join(lines, "\n"))
		if err != nil || !maps.Equal(vars, again) {
			t.Fatalf("%v reformatted read back as %v, %v", vars, again, err)
		}
	})
}

func FuzzParseSourceStates(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		states, err := parseSourceStates(s)
		if err != nil {
			return
		}
		var lines []string
		for _, st := range states {
			if !validID(st.id) || st.remaining < 0 {
				t.Fatalf("bad state %+v", st)
			}
			ready, rem := "idle", "inf"
			if st.ready {
				ready = "ready"
			}
			if st.remaining != Unbounded {
				rem = strconv.FormatFloat(st.remaining.Seconds(), 'f', -1, 64)
			}
			lines = append(lines, st.id+" "+ready+" "+rem)
		}
		again, err := parseSourceStates(strings.Join(lines, "\n"))
		if err != nil || len(again) != len(states) {
			t.Fatalf("%v reformatted read back as %v, %v", states, again, err)
		}
		for i := range states {
			a, b := states[i], again[i]
			if a.id != b.id || a.ready != b.ready || (a.remaining-b.remaining).Abs() > time.Microsecond {
				t.Fatalf("%+v read back as %+v", a, b)
			}
		}
	})
}

func FuzzParseLogLine(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		l := parseLogLine(s)
		if l.label == "" {
			if l.level != 0 || l.msg != s {
				t.Fatalf("unlabelled line changed: %+v", l)
			}
			return
		}
		if l.level < 1 || l.level > 5 || !strings.HasSuffix(s, l.msg) ||
			!strings.Contains(s, "["+l.label+":"+strconv.Itoa(l.level)+"] ") {
			t.Fatalf("inconsistent %+v from %q", l, s)
		}
	})
}

// parseAnnotate reads back what Annotate writes, the way Liquidsoap's
// annotate parser does for quoted values.
func parseAnnotate(s string) (map[string]string, string, error) {
	rest, ok := strings.CutPrefix(s, "annotate:")
	if !ok {
		return nil, s, nil
	}
	uri, ok := skipAnnotation(rest)
	if !ok {
		return nil, "", errors.New("no end of annotation")
	}
	fields := map[string]string{}
	meta := rest[:len(rest)-len(uri)-1]
	for meta != "" {
		k, v, ok := strings.Cut(meta, "=")
		if !ok || !isIdent(k) || !strings.HasPrefix(v, `"`) {
			return nil, "", fmt.Errorf("bad field in %q", meta)
		}
		end := 1
		for ; end < len(v) && v[end] != '"'; end++ {
			if v[end] == '\\' {
				end++
			}
		}
		if end >= len(v) {
			return nil, "", errors.New("unterminated value")
		}
		val, err := unquote(v[:end+1])
		if err != nil {
			return nil, "", err
		}
		fields[k] = val
		meta = strings.TrimPrefix(v[end+1:], ",")
	}
	return fields, uri, nil
}

func FuzzAnnotate(f *testing.F) {
	f.Fuzz(func(t *testing.T, uri, k1, v1, k2, v2 string) {
		in := map[string]string{k1: v1, k2: v2}
		got, err := Annotate(uri, in)
		if err != nil {
			var ae *ArgError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *ArgError", err)
			}
			return
		}
		if err := CheckArg(got); err != nil {
			t.Fatalf("annotated URI %q holds a control character: %v", got, err)
		}
		if strings.Contains(got, "#{") {
			t.Fatalf("annotated URI %q holds #{", got)
		}
		fields, rest, err := parseAnnotate(got)
		if err != nil || rest != uri || !maps.Equal(fields, in) {
			t.Fatalf("%q read back as %v %q, %v", got, fields, rest, err)
		}
	})
}

func FuzzQuoteLiq(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		q, err := quoteLiq(s)
		if err != nil {
			return
		}
		for i := 0; i < len(q); i++ {
			if q[i] < 0x20 || q[i] == 0x7f {
				t.Fatalf("literal %q holds a raw control character", q)
			}
		}
		if strings.Contains(q, "#{") {
			t.Fatalf("literal %q holds #{", q)
		}
		back, err := unquote(q)
		if err != nil || back != s {
			t.Fatalf("%q quoted as %q read back as %q, %v", s, q, back, err)
		}
	})
}

func FuzzCheckArg(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckArg(s)
		if err == nil {
			for i, r := range s {
				// Invalid bytes decode as U+FFFD, outside these ranges.
				if r < 0x20 || r >= 0x7f && r <= 0x9f {
					t.Fatalf("accepted %q with %U at %d", s, r, i)
				}
			}
			return
		}
		var ae *ArgError
		if !errors.As(err, &ae) {
			t.Fatalf("error %v is not an *ArgError", err)
		}
		if ae.Index >= 0 {
			r, _ := utf8.DecodeRuneInString(s[ae.Index:])
			if s[ae.Index] < 0x80 {
				r = rune(s[ae.Index])
			}
			if r != ae.Char {
				t.Fatalf("reported %U at %d, found %U", ae.Char, ae.Index, r)
			}
		}
	})
}
