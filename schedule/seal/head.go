package seal

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/airkeep/airkeep/schedule"
)

// Head is a day's chain head, as published at /proof/YYYY-MM-DD.json:
// the last link made that day. Whoever keeps it can later check, with
// Verify's VerifyResult.Head over the same chain, that nothing sealed up
// to it was changed.
type Head struct {
	Station  int64  `json:"station"`
	Day      string `json:"day"` // YYYY-MM-DD in the station's zone
	Seq      int64  `json:"seq"` // 0: nothing sealed by then
	Link     string `json:"link"`
	SealedAt string `json:"sealed_at,omitempty"`
}

// DayHead returns the chain head at the end of day in loc.
func DayHead(ctx context.Context, st schedule.SealStore, stationID int64, day schedule.Date, loc *time.Location) (Head, error) {
	if loc == nil {
		loc = time.UTC
	}
	next := day.AddDays(1)
	end := time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, loc)
	h := Head{Station: stationID, Day: day.String()}
	s, ok, err := st.SealBefore(ctx, stationID, end)
	if err != nil {
		return h, fmt.Errorf("seal: head of %s: %w", day, err)
	}
	if ok {
		h.Seq, h.Link, h.SealedAt = s.Seq, hex.EncodeToString(s.Link[:]), stamp(s.SealedAt)
	}
	return h, nil
}

// LinkAt returns the link of seal seq, to compare with a published head.
func LinkAt(ctx context.Context, st schedule.SealStore, stationID, seq int64) (string, error) {
	s, err := st.Seals(ctx, stationID, seq-1, 1)
	if err != nil {
		return "", err
	}
	if len(s) == 0 || s[0].Seq != seq {
		return "", fmt.Errorf("seal: no seal %d: %w", seq, schedule.ErrNotFound)
	}
	return hex.EncodeToString(s[0].Link[:]), nil
}
