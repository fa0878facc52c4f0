package playlist

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/grafov/m3u8"
)

// Master is a master (multivariant) playlist.
type Master struct {
	URL        string
	Variants   []Variant   // EXT-X-STREAM-INF, I-frame playlists left out
	Renditions []Rendition // EXT-X-MEDIA entries that have a URI
}

// Variant is one EXT-X-STREAM-INF.
type Variant struct {
	URI        string // absolute
	Bandwidth  uint64
	Resolution string
	FrameRate  float64
	Codecs     string
	Name       string // the non-standard NAME attribute some origins set
	Video      string // VIDEO group
	Audio      string // AUDIO group
	// Names are the names the variant answers to, in order of preference:
	// NAME, the VIDEO rendition's NAME and GROUP-ID, and the height
	// ("720p", "720p60" above 30 fps). The highest-bandwidth variant also
	// answers to "source".
	Names []string
}

// Rendition is an EXT-X-MEDIA entry with its own media playlist.
type Rendition struct {
	Type    string // AUDIO, VIDEO, SUBTITLES
	GroupID string
	Name    string
	URI     string // absolute
}

// Master parses a master playlist fetched from playlistURL. EXT-X-MEDIA
// lines are read here, not by grafov (see below); variants keep their
// BANDWIDTH exactly, where grafov wraps it at 32 bits.
func (p Parser) Master(body []byte, playlistURL string) (*Master, error) {
	src := playlistURL
	base, ls, err := prepare(body, playlistURL, p.maxBytes())
	if err != nil {
		return nil, err
	}
	fail := func(line int, format string, args ...any) (*Master, error) {
		return nil, &Error{URL: src, Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	res := newResolver(base)
	mp := &Master{URL: playlistURL}
	var bandwidths []uint64
	// videoName maps a VIDEO group to the name of its DEFAULT rendition (or
	// its first): one name per group, so names cost linear memory however
	// many renditions and variants share a group.
	videoName := make(map[string]string)
	videoDefault := make(map[string]bool)
	renditions := 0
	kept := make([]string, 0, len(ls))
	for i, l := range ls {
		tag, val, _ := strings.Cut(l, ":")
		switch tag {
		case "#EXT-X-STREAM-INF":
			if len(bandwidths) >= maxVariants {
				return fail(i+1, "more than %d variants", maxVariants)
			}
			// grafov stores BANDWIDTH in a uint32 and wraps larger values.
			bw, err := strconv.ParseUint(m3u8.DecodeAttributeList(val)["BANDWIDTH"], 10, 64)
			if err != nil {
				return fail(i+1, "EXT-X-STREAM-INF without a valid BANDWIDTH")
			}
			bandwidths = append(bandwidths, bw)
			if i+1 >= len(ls) || strings.HasPrefix(ls[i+1], "#") {
				return fail(i+1, "EXT-X-STREAM-INF not followed by a URI")
			}
		case "#EXT-X-MEDIA":
			// Renditions are read here, not by grafov, which attaches each
			// to every variant of its group: quadratic memory on a hostile
			// master, and cubic time in its package-level decoder (#222).
			if renditions++; renditions > maxRenditions {
				return fail(i+1, "more than %d renditions", maxRenditions)
			}
			a := m3u8.DecodeAttributeList(val)
			r := Rendition{Type: a["TYPE"], GroupID: a["GROUP-ID"], Name: a["NAME"]}
			if r.Type == "VIDEO" && r.Name != "" {
				def := strings.EqualFold(a["DEFAULT"], "YES")
				if _, ok := videoName[r.GroupID]; !ok || def && !videoDefault[r.GroupID] {
					videoName[r.GroupID] = r.Name
					videoDefault[r.GroupID] = def
				}
			}
			if uri := a["URI"]; uri != "" {
				if r.URI, err = res.resolve(uri); err != nil {
					return fail(i+1, "rendition: %v", err)
				}
				mp.Renditions = append(mp.Renditions, r)
			}
			continue
		case "#EXTINF", "#EXT-X-TARGETDURATION", "#EXT-X-MEDIA-SEQUENCE":
			return fail(i+1, "media playlist tag in a master playlist")
		case "#EXT-X-DEFINE":
			return fail(i+1, "EXT-X-DEFINE is not supported")
		}
		kept = append(kept, l)
	}
	gm := m3u8.NewMasterPlaylist()
	norm := joinLines(kept)
	if err := decodeSafely(src, func() error { return gm.Decode(*bytes.NewBuffer(norm), true) }); err != nil {
		return nil, err
	}
	k := 0
	for _, gv := range gm.Variants {
		if gv == nil || gv.Iframe {
			continue
		}
		if k >= len(bandwidths) {
			return fail(0, "parser found more variants than the pre-scan")
		}
		u, err := res.resolve(gv.URI)
		if err != nil {
			return fail(0, "variant %d: %v", k+1, err)
		}
		mp.Variants = append(mp.Variants, Variant{
			URI: u, Bandwidth: bandwidths[k], Resolution: gv.Resolution, FrameRate: gv.FrameRate,
			Codecs: gv.Codecs, Name: gv.Name, Video: gv.Video, Audio: gv.Audio,
			Names: variantNames(gv, videoName[gv.Video]),
		})
		k++
	}
	if k != len(bandwidths) {
		return fail(0, "parser found %d variants, pre-scan %d", k, len(bandwidths))
	}
	if len(mp.Variants) == 0 {
		return fail(0, "no variants")
	}
	best := 0
	for i, v := range mp.Variants {
		if v.Bandwidth > mp.Variants[best].Bandwidth {
			best = i
		}
	}
	mp.Variants[best].Names = append(mp.Variants[best].Names, "source")
	return mp, nil
}

func variantNames(gv *m3u8.Variant, videoName string) []string {
	var names []string
	add := func(s string) {
		if s == "" {
			return
		}
		for _, n := range names {
			if n == s {
				return
			}
		}
		names = append(names, s)
	}
	add(gv.Name)
	add(videoName)
	add(gv.Video)
	if _, h, ok := strings.Cut(gv.Resolution, "x"); ok {
		if hv, err := strconv.Atoi(h); err == nil && hv > 0 && hv < 100000 {
			p := strconv.Itoa(hv) + "p"
			if gv.FrameRate > 30.5 && gv.FrameRate < 1000 {
				add(p + strconv.Itoa(int(math.Round(gv.FrameRate))))
			}
			add(p)
		}
	}
	return names
}

// Lookup returns the media playlist URL of the variant or rendition that
// answers to name: the highest-bandwidth variant with that name, else the
// first rendition with that NAME. Names compare case-insensitively.
func (m *Master) Lookup(name string) (string, bool) {
	best := -1
	for i, v := range m.Variants {
		for _, n := range v.Names {
			if strings.EqualFold(n, name) && (best < 0 || v.Bandwidth > m.Variants[best].Bandwidth) {
				best = i
			}
		}
	}
	if best >= 0 {
		return m.Variants[best].URI, true
	}
	for _, r := range m.Renditions {
		if strings.EqualFold(r.Name, name) || strings.EqualFold(r.GroupID, name) {
			return r.URI, true
		}
	}
	return "", false
}
