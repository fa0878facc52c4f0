package streamer

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Unbounded is the remaining time Liquidsoap reports as infinite or unknown
// ("inf", "(undef)", a negative value): a live input, a request whose
// duration is not known yet. Comparisons such as remaining < margin then
// read it as "not ending soon".
const Unbounded = time.Duration(math.MaxInt64)

// parseUptime reads Liquidsoap's uptime, "0d 00h 00m 03s".
func parseUptime(s string) (time.Duration, error) {
	f := strings.Split(s, " ")
	if len(f) != 4 {
		return 0, errors.New(`want "Nd HHh MMm SSs"`)
	}
	units := []struct {
		suffix byte
		max    int64
		unit   time.Duration
	}{{'d', 1 << 40, 24 * time.Hour}, {'h', 23, time.Hour}, {'m', 59, time.Minute}, {'s', 59, time.Second}}
	var d time.Duration
	for i, u := range units {
		v := f[i]
		if len(v) < 2 || v[len(v)-1] != u.suffix {
			return 0, fmt.Errorf("field %q: want a number followed by %q", v, u.suffix)
		}
		n, err := parseDigits(v[:len(v)-1])
		if err != nil || n > u.max {
			return 0, fmt.Errorf("field %q: out of range", v)
		}
		d += time.Duration(n) * u.unit
	}
	return d, nil
}

// parseDigits parses a decimal number of at most 18 digits, without sign.
func parseDigits(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, errors.New("bad number")
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("bad number")
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, nil
}

// parseRIDs reads a space-separated list of request ids, such as the reply
// of request.on_air or <queue>.queue. An empty reply is an empty list.
func parseRIDs(s string) ([]int, error) {
	fields := strings.Fields(s)
	rids := make([]int, 0, len(fields))
	for _, f := range fields {
		rid, err := parseRID(f)
		if err != nil {
			return nil, err
		}
		rids = append(rids, rid)
	}
	return rids, nil
}

func parseRID(s string) (int, error) {
	n, err := parseDigits(s)
	if err != nil || n > math.MaxInt32 {
		return 0, fmt.Errorf("request id %q: not a non-negative integer", s)
	}
	return int(n), nil
}

// parseRemaining reads a remaining time in seconds ("6.25", "0.") and maps
// Liquidsoap's ways of saying "unknown" ("inf", "(undef)", "nan", negative
// values) to Unbounded.
func parseRemaining(s string) (time.Duration, error) {
	if s == "(undef)" {
		return Unbounded, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("remaining %q: not a number", s)
	}
	if math.IsNaN(f) || f < 0 || f >= float64(Unbounded)/float64(time.Second) {
		return Unbounded, nil
	}
	return time.Duration(f * float64(time.Second)), nil
}

// parseHelp returns the command names listed by "help", in order.
func parseHelp(s string) ([]string, error) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if len(lines) == 0 || lines[0] != "Available commands:" {
		return nil, errors.New(`want "Available commands:" first`)
	}
	var names []string
	for _, l := range lines[1:] {
		rest, ok := strings.CutPrefix(l, "| ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		if name == "" {
			return nil, fmt.Errorf("line %q: no command name", l)
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, errors.New("no commands listed")
	}
	return names, nil
}

// Source describes a source or output found on the server.
type Source struct {
	// ID is the source's id, the prefix of its commands ("dealer").
	ID string
	// Kind is inferred from the commands the source registered:
	// "request.queue", "playlist", "output", "input.harbor", or "" when
	// the set is not one Liquidsoap's operators register (a script's own
	// server.register namespace, for instance).
	Kind string
	// Commands are the command names without the ID prefix, sorted.
	Commands []string
}

// builtinNamespaces are command groups of the server itself, not sources.
var builtinNamespaces = map[string]bool{"request": true, "var": true}

// sourcesFromCommands groups command names by namespace and infers kinds.
// Liquidsoap 2.x has no "list" command, so this is how the sources are
// found.
func sourcesFromCommands(names []string) []Source {
	byID := map[string][]string{}
	var order []string
	for _, n := range names {
		i := strings.LastIndexByte(n, '.')
		if i <= 0 || i == len(n)-1 {
			continue
		}
		id, cmd := n[:i], n[i+1:]
		if builtinNamespaces[id] {
			continue
		}
		if _, ok := byID[id]; !ok {
			order = append(order, id)
		}
		byID[id] = append(byID[id], cmd)
	}
	sort.Strings(order)
	out := make([]Source, 0, len(order))
	for _, id := range order {
		cmds := byID[id]
		sort.Strings(cmds)
		out = append(out, Source{ID: id, Kind: inferKind(cmds), Commands: cmds})
	}
	return out
}

func inferKind(cmds []string) string {
	has := map[string]bool{}
	for _, c := range cmds {
		has[c] = true
	}
	switch {
	case has["push"] && has["queue"]:
		return "request.queue"
	case has["reload"] && has["uri"]:
		return "playlist"
	case has["buffer_length"] && has["status"]:
		return "input.harbor"
	case has["metadata"] && has["remaining"] && has["skip"]:
		return "output"
	}
	return ""
}

// parseVarList reads "var.list": one "name : type" per line.
func parseVarList(s string) (map[string]string, error) {
	vars := map[string]string{}
	if s == "" {
		return vars, nil
	}
	for _, l := range strings.Split(s, "\n") {
		name, typ, ok := strings.Cut(l, " : ")
		if !ok || name == "" || typ == "" || strings.ContainsAny(name, " =") {
			return nil, fmt.Errorf("line %q: want \"name : type\"", l)
		}
		vars[name] = typ
	}
	return vars, nil
}

// sourceState is one line of the "airkeep.sources" command that rendered
// station scripts register: "<id> ready|idle <remaining>".
type sourceState struct {
	id        string
	ready     bool
	remaining time.Duration
}

func parseSourceStates(s string) ([]sourceState, error) {
	var out []sourceState
	if s == "" {
		return out, nil
	}
	for _, l := range strings.Split(s, "\n") {
		f := strings.Split(l, " ")
		if len(f) != 3 || !validID(f[0]) || (f[1] != "ready" && f[1] != "idle") {
			return nil, fmt.Errorf("line %q: want \"<id> ready|idle <seconds>\"", l)
		}
		rem, err := parseRemaining(f[2])
		if err != nil {
			return nil, err
		}
		out = append(out, sourceState{id: f[0], ready: f[1] == "ready", remaining: rem})
	}
	return out, nil
}
