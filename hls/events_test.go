package hls_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/hls"
)

// TestCountersSnapshotAdd sets every counter to a distinct value, so that a
// counter added to CountersSnapshot and forgotten in Add fails here.
func TestCountersSnapshotAdd(t *testing.T) {
	var a, b, want hls.CountersSnapshot
	va, vb, vw := reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem(), reflect.ValueOf(&want).Elem()
	for i := 0; i < va.NumField(); i++ {
		if va.Field(i).Kind() != reflect.Int64 {
			continue
		}
		va.Field(i).SetInt(int64(i + 1))
		vb.Field(i).SetInt(int64(100 * (i + 1)))
		vw.Field(i).SetInt(int64(101 * (i + 1)))
	}
	later := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	a.LastEnd, b.LastEnd, want.LastEnd = later, later.Add(-time.Hour), later

	require.Equal(t, want, a.Add(b))
	require.Equal(t, want, b.Add(a))
	require.Equal(t, a, a.Add(hls.CountersSnapshot{}))
	st := hls.Status{Variants: []hls.VariantStatus{{CountersSnapshot: a}, {CountersSnapshot: b}}}
	require.Equal(t, want, st.Total())
}
