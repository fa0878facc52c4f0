package listeners

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Mount is what Icecast's status says of one mount point.
type Mount struct {
	Mount     string // the path, "/radio.mp3"
	Listeners int
}

// StatusError reports a status document that is not Icecast's.
type StatusError struct {
	Reason string
	Err    error
}

func (e *StatusError) Error() string {
	s := "listeners: bad Icecast status: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *StatusError) Unwrap() error { return e.Err }

// maxMounts bounds the mounts a status may list.
const maxMounts = 1024

// ParseStatus reads the mounts of an Icecast 2.4 /status-json.xsl
// document: {"icestats": {"source": {...} | [{...}, ...]}}, each source
// with "listenurl" and "listeners". A source whose listenurl has no path
// or whose listener count is negative or missing makes the whole document
// refused: a figure from a document half understood would be wrong.
func ParseStatus(b []byte) ([]Mount, error) {
	var doc struct {
		Icestats *struct {
			Source json.RawMessage `json:"source"`
		} `json:"icestats"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, &StatusError{Reason: "not JSON", Err: err}
	}
	if doc.Icestats == nil {
		return nil, &StatusError{Reason: "no icestats object"}
	}
	raw := bytes.TrimSpace(doc.Icestats.Source)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	type source struct {
		ListenURL *string `json:"listenurl"`
		Listeners *int    `json:"listeners"`
	}
	var sources []source
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &sources); err != nil {
			return nil, &StatusError{Reason: "bad source list", Err: err}
		}
	} else {
		var s source
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &StatusError{Reason: "bad source", Err: err}
		}
		sources = []source{s}
	}
	if len(sources) > maxMounts {
		return nil, &StatusError{Reason: fmt.Sprintf("%d sources", len(sources))}
	}
	mounts := make([]Mount, 0, len(sources))
	seen := map[string]bool{}
	for _, s := range sources {
		if s.ListenURL == nil || s.Listeners == nil {
			return nil, &StatusError{Reason: "a source without listenurl or listeners"}
		}
		u, err := url.Parse(*s.ListenURL)
		if err != nil {
			return nil, &StatusError{Reason: "bad listenurl", Err: err}
		}
		if !validMount(u.Path) {
			return nil, &StatusError{Reason: fmt.Sprintf("bad mount %q", u.Path)}
		}
		if *s.Listeners < 0 {
			return nil, &StatusError{Reason: fmt.Sprintf("%d listeners on %s", *s.Listeners, u.Path)}
		}
		if seen[u.Path] {
			return nil, &StatusError{Reason: "mount " + u.Path + " listed twice"}
		}
		seen[u.Path] = true
		mounts = append(mounts, Mount{Mount: u.Path, Listeners: *s.Listeners})
	}
	return mounts, nil
}

// ErrMount is returned for a mount name that is not a path.
var ErrMount = errors.New("listeners: a mount is a path of printable characters starting with /")

// validMount: a path, short, printable.
func validMount(m string) bool {
	return strings.HasPrefix(m, "/") && len(m) > 1 && len(m) <= 256 &&
		!strings.ContainsFunc(m, func(r rune) bool { return r <= ' ' || r == 0x7F })
}
