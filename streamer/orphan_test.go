//go:build linux

package streamer

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNoOrphanWhenSupervisorDies kills a supervising process with SIGKILL,
// which runs no cleanup at all, and checks that its Liquidsoap dies with
// it (Pdeathsig) instead of keeping the socket.
func TestNoOrphanWhenSupervisorDies(t *testing.T) {
	needLiquidsoap(t)
	t.Parallel()
	dir := shortDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestOrphanHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "AIRKEEP_ORPHAN_HELPER="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	pid := 0
	sc := bufio.NewScanner(out)
	deadline := time.AfterFunc(90*time.Second, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "liquidsoap pid "); ok {
			pid, err = strconv.Atoi(p)
			require.NoError(t, err)
			break
		}
	}
	require.NotZero(t, pid, "helper did not start liquidsoap")
	// Should the test fail, the orphan goes all the same.
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.NoError(t, syscall.Kill(pid, 0))

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	eventually(t, 10*time.Second, func() bool {
		// Gone, or a zombie waiting for init to reap it.
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return err == nil && strings.Contains(string(stat), ") Z ")
	}, "liquidsoap %d outlived its supervisor", pid)
}

// TestOrphanHelper is the supervisor TestNoOrphanWhenSupervisorDies kills;
// it does nothing unless run by it.
func TestOrphanHelper(t *testing.T) {
	dir := os.Getenv("AIRKEEP_ORPHAN_HELPER")
	if dir == "" {
		t.Skip("helper process only")
	}
	st := &Station{Name: "orphan", Socket: dir + "/o.sock", AllowRoot: os.Geteuid() == 0, Dummy: true}
	ready := make(chan int, 1)
	p, err := NewProcess(ProcessConfig{Station: st, OnEvent: func(e Event) {
		if e.Kind == EventReady {
			ready <- e.PID
		}
	}})
	require.NoError(t, err)
	go func() { _ = p.Run(context.Background()) }()
	fmt.Printf("liquidsoap pid %d\n", <-ready)
	select {} // until killed
}
