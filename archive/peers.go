package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxPeerListing bounds a peer's hour listing, as backfill does.
const maxPeerListing = 16 << 20

// PeerHolds tells, for each span, whether the node at base URL peer
// (airkeep's Handler or wubloader's restreamer) lists a full, suspect or
// partial segment of stream/variant that overlaps it: which node can fill a
// hole. It reads the peer's hour listings (the hour before each span's
// start too, for a segment running into it); names that do not parse are
// ignored. client nil means http.DefaultClient.
func PeerHolds(ctx context.Context, client *http.Client, peer, stream, variant string, spans []Span) ([]bool, error) {
	if err := checkPeerURL(peer); err != nil {
		return nil, err
	}
	if err := ValidateComponent("stream", stream); err != nil {
		return nil, err
	}
	if err := ValidateComponent("variant", variant); err != nil {
		return nil, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	listings := map[string][]Segment{}
	hour := func(h string) ([]Segment, error) {
		if segs, ok := listings[h]; ok {
			return segs, nil
		}
		names, err := fetchNames(ctx, client, peer+"/files/"+url.PathEscape(stream)+"/"+url.PathEscape(variant)+"/"+h)
		if err != nil {
			return nil, err
		}
		var segs []Segment
		for _, n := range names {
			if seg, err := ParseName(stream, variant, h, n); err == nil && seg.Type != Temp {
				segs = append(segs, seg)
			}
		}
		listings[h] = segs
		return segs, nil
	}
	out := make([]bool, len(spans))
	for i, sp := range spans {
		for t := sp.Start.UTC().Truncate(time.Hour).Add(-time.Hour); t.Before(sp.End) && !out[i]; t = t.Add(time.Hour) {
			segs, err := hour(FormatHour(t))
			if err != nil {
				return nil, err
			}
			for _, s := range segs {
				if s.Start.Before(sp.End) && s.End().After(sp.Start) {
					out[i] = true
					break
				}
			}
		}
	}
	return out, nil
}

// fetchNames GETs a JSON list of names, bounded in size. A 404 is an empty
// list: the peer holds nothing there.
func fetchNames(ctx context.Context, client *http.Client, u string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("archive: list %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("archive: list %s: peer answered %s", u, resp.Status)
	}
	var names []string
	lr := &io.LimitedReader{R: resp.Body, N: maxPeerListing + 1}
	if err := json.NewDecoder(lr).Decode(&names); err != nil {
		if lr.N <= 0 {
			return nil, fmt.Errorf("archive: list %s: listing over %d bytes", u, maxPeerListing)
		}
		return nil, fmt.Errorf("archive: list %s: %w", u, err)
	}
	return names, nil
}
