package archive_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

// failingList is a store whose hour listings fail, as a disk or bucket
// that errors midway.
type failingList struct {
	archive.Store
	hour string
}

var errListing = errors.New("listing failed")

func (f failingList) List(ctx context.Context, stream, variant, hour string) (archive.Listing, error) {
	if hour == f.hour {
		return archive.Listing{}, errListing
	}
	return f.Store.List(ctx, stream, variant, hour)
}

func serve(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestCoverageJSON(t *testing.T) {
	F, P := archive.Full, archive.Partial
	s := archive.NewMemStore()
	for i, c := range []cov{{0, 2, F, 0}, {2, 2, P, 0}, {4, 2, F, 0}, {10, 2, F, 0}, {10, 2, F, 9}, {3598, 4, F, 0}, {3602, 2, F, 0}, {3700, 2, F, 0}} {
		c.put(t, s, byte(i))
	}
	h := archive.NewHandler(s, archive.HandlerConfig{})
	rec := serve(t, h, "/coverage/s/v.json")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var got struct {
		Start, End string
		Total      struct {
			SegmentCount     map[string]float64 `json:"segment_count"`
			RawCoverage      float64            `json:"raw_coverage"`
			EditableCoverage float64            `json:"editable_coverage"`
			RawHoles         int                `json:"raw_holes"`
			OverlapCount     map[string]float64 `json:"overlap_count"`
			Holes            []struct{ Start, End string }
		}
		Hours []struct {
			Hour     string
			RawHoles int `json:"raw_holes"`
		}
		Partial []struct{ Start, End string }
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Equal(t, "2026-11-23T14:00:00.000000Z", got.Start, "default: the first hour held")
	require.Equal(t, "2026-11-23T16:00:00.000000Z", got.End, "to the end of the last")
	require.Equal(t, map[string]float64{"full": 7, "suspect": 0, "partial": 1, "bad": 0}, got.Total.SegmentCount)
	require.Equal(t, 1.0, got.Total.OverlapCount["full"])
	require.InDelta(t, 16, got.Total.RawCoverage, 1e-9)
	require.Len(t, got.Hours, 2)
	require.Equal(t, "2026-11-23T14", got.Hours[0].Hour)
	// Holes across the hour boundary are one hole in the totals.
	require.Equal(t, []struct{ Start, End string }{
		{"2026-11-23T14:00:06.000000Z", "2026-11-23T14:00:10.000000Z"},
		{"2026-11-23T14:00:12.000000Z", "2026-11-23T14:59:58.000000Z"},
		{"2026-11-23T15:00:04.000000Z", "2026-11-23T15:01:40.000000Z"},
	}, got.Total.Holes)
	require.Equal(t, 3, got.Total.RawHoles)
	require.Equal(t, []struct{ Start, End string }{{"2026-11-23T14:00:02.000000Z", "2026-11-23T14:00:04.000000Z"}}, got.Partial)
}

func TestCoverageBadRequests(t *testing.T) {
	s := archive.NewMemStore()
	cov{0, 2, archive.Full, 0}.put(t, s, 0)
	cov{8 * 24 * 3600, 2, archive.Full, 0}.put(t, s, 1)
	h := archive.NewHandler(s, archive.HandlerConfig{})
	day := func(d int) string { return t0.Add(time.Duration(d) * 24 * time.Hour).Format(time.RFC3339) }
	tests := []struct {
		path   string
		status int
		reason string
	}{
		{"/coverage/s/v.png", http.StatusBadRequest, "implicit range may not be longer than 168h"},
		{"/coverage/s/v.png?start=" + day(0) + "&end=" + day(32), http.StatusBadRequest, "range may not be longer than 744h"},
		{"/coverage/s/v.json?start=" + day(1) + "&end=" + day(0), http.StatusBadRequest, "ends must be after starts"},
		{"/coverage/s/v.png?start=yesterday&end=" + day(1), http.StatusBadRequest, "bad time"},
		{"/coverage/s/nothing.json", http.StatusNotFound, "no such stream or variant"},
		{"/coverage/s/v.gif", http.StatusNotFound, "not found"},
		{"/coverage/s/.v.png", http.StatusForbidden, ""},
		{"/coverage/s/v.png?start=" + day(0) + "&end=" + day(31), http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := serve(t, h, tt.path)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			require.Contains(t, rec.Body.String(), tt.reason)
		})
	}
}

func TestCoverageListingFailure(t *testing.T) {
	s := archive.NewMemStore()
	cov{0, 2, archive.Full, 0}.put(t, s, 0)
	cov{3600, 2, archive.Full, 0}.put(t, s, 1)
	h := archive.NewHandler(failingList{Store: s, hour: archive.FormatHour(t0.Add(time.Hour))}, archive.HandlerConfig{})
	for _, path := range []string{"/coverage/s/v.png", "/coverage/s/v.json"} {
		rec := serve(t, h, path)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, "a failed listing is not a hole")
		require.Contains(t, rec.Body.String(), "coverage is unknown")
	}
	rec := serve(t, h, "/coverage/")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Coverage unknown: listing failed")
	require.False(t, strings.Contains(rec.Body.String(), "<img"), "no map stands for an unknown coverage")
}
