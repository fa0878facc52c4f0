package streamer

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStationSmoke(t *testing.T) {
	st := testStation(t)
	runProcess(t, ProcessConfig{Station: st})
	ctl, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	defer ctl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := ctl.Client().Version(ctx)
	require.NoError(t, err)
	t.Log(v)
	src, err := ctl.Sources(ctx)
	require.NoError(t, err)
	t.Logf("%+v", src)
	s, u, at, err := ctl.OnAir(ctx)
	require.NoError(t, err)
	t.Log(s, u, at)
}
