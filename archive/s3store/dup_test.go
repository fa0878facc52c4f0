package s3store_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Writing a large segment that is already stored succeeds as a duplicate.
// versitygw answers such a PUT with 412 before reading its body and closes
// the connection, which the client sees as a reset while still sending:
// the store must look before it sends again.
func TestDuplicateOfLargeSegment(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport = rec
	s := newStore(t, cfg)
	data := payload(8<<20, 7)
	first := write(t, s, seg(0), data)
	for range 8 {
		again := write(t, s, seg(0), data)
		require.Equal(t, first, again)
	}
	st := s.Stats().Snapshot()
	require.Equal(t, int64(1), st.Full)
	require.Equal(t, int64(8), st.Duplicates)
	require.Equal(t, 9, rec.count(isMethod(http.MethodPut)), "no PUT is sent twice")
	require.True(t, bytes.Equal(data, readAll(t, s, first)))
}
