package stationfiletest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

func TestShows(t *testing.T) {
	shows := stationfiletest.Shows(2 * time.Minute)
	require.Len(t, shows, 3)
	for i, s := range shows {
		require.Equal(t, time.Duration(30*(i+1))*time.Second, s.At)
		require.Equal(t, 20*time.Second, s.Duration())
		require.LessOrEqual(t, s.At+s.Duration(), 110*time.Second)
	}
	require.Len(t, stationfiletest.Shows(time.Minute), 1)
	long := stationfiletest.Shows(10 * time.Minute)
	require.Len(t, long, 19)
	require.Equal(t, "news-2", long[3].Slug)
}
