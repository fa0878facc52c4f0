package streamer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ScriptError reports a script the liquidsoap binary rejected, with its own
// message ("At station.liq, line 2, char 0-19: … Error 5: …").
type ScriptError struct {
	Code   int    // exit code
	Output string // what liquidsoap printed
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("streamer: liquidsoap rejected the script (exit %d):\n%s", e.Code, strings.TrimSpace(e.Output))
}

// Check has the liquidsoap binary (a path, or "" for "liquidsoap" in PATH)
// parse, type-check and evaluate script without streaming (liquidsoap
// --check). A script it rejects gives a *ScriptError carrying its message.
// Mind that --check evaluates the script's top-level code: check only
// scripts you would run.
func Check(ctx context.Context, binary string, script []byte) error {
	if binary == "" {
		binary = "liquidsoap"
	}
	dir, err := os.MkdirTemp("", "airkeep-check-")
	if err != nil {
		return fmt.Errorf("streamer: check: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "station.liq")
	// A private scratch folder, read once by liquidsoap --check and then
	// removed: no reader can see it partial, so no atomicfile here.
	if err := os.WriteFile(path, script, 0o600); err != nil {
		return fmt.Errorf("streamer: check: %w", err)
	}
	cmd := exec.CommandContext(ctx, binary, "--check", path)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w: liquidsoap --check: %w", ErrTimeout, ctx.Err())
	case errors.As(err, &ee):
		return &ScriptError{Code: ee.ExitCode(), Output: string(out)}
	}
	return fmt.Errorf("streamer: liquidsoap --check: %w", err)
}
