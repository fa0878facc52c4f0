package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// ErrNotInstalled reports that ffmpeg or ffprobe could not be found or run.
var ErrNotInstalled = errors.New("media: ffmpeg is not installed (apt-get install ffmpeg, or give its path)")

// Config configures an FFmpeg. The zero value finds both programs on PATH.
type Config struct {
	// FFmpeg and FFprobe are the programs' paths. "" looks them up on PATH;
	// an FFprobe left "" is first looked for beside FFmpeg.
	FFmpeg, FFprobe string
	// MaxProcesses bounds the operations running at once, each running one
	// process at a time. 0 means runtime.NumCPU().
	MaxProcesses int
	// QueueWait is how long an operation waits for a free slot before
	// failing with *archive.BusyError. 0 means 2 s; negative means no wait.
	QueueWait time.Duration
	// RetryAfter is what a *archive.BusyError advises. 0 means 5 s.
	RetryAfter time.Duration
	// TempDir is given to every process as TMPDIR. "" means os.TempDir().
	// Operations use pipes only, so nothing should appear there.
	TempDir string
	// StderrLines bounds how many lines of a process's standard error go to
	// the log. 0 means 20.
	StderrLines int
	// Clock times the wait for a slot. Nil means the system clock.
	Clock airkeep.Clock
	// Logger receives processes' standard error and failures. Nil means
	// discard.
	Logger *slog.Logger
}

// FFmpeg runs the real ffmpeg and ffprobe behind pipes. It implements
// archive.Media. It is safe for concurrent use; Close stops every process.
type FFmpeg struct {
	ffmpeg, ffprobe string
	version         string
	encoders        map[string]bool
	slots           chan struct{}
	wait, retry     time.Duration
	env             []string
	tempDir         string
	stderrLines     int
	clock           airkeep.Clock
	log             *slog.Logger

	ctx    context.Context // ends at Close: every process ends with it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

var _ archive.Media = (*FFmpeg)(nil)

// New finds ffmpeg and ffprobe and probes them once: version and encoders.
// The error matches ErrNotInstalled when either cannot be run.
func New(ctx context.Context, cfg Config) (*FFmpeg, error) {
	ffmpeg, err := lookPath(cfg.FFmpeg, "ffmpeg")
	if err != nil {
		return nil, err
	}
	probe := cfg.FFprobe
	if probe == "" && cfg.FFmpeg != "" {
		if p := strings.TrimSuffix(ffmpeg, "ffmpeg") + "ffprobe"; p != ffmpeg {
			if _, err := os.Stat(p); err == nil {
				probe = p
			}
		}
	}
	ffprobe, err := lookPath(probe, "ffprobe")
	if err != nil {
		return nil, err
	}
	f := &FFmpeg{
		ffmpeg: ffmpeg, ffprobe: ffprobe,
		wait: cfg.QueueWait, retry: cfg.RetryAfter,
		tempDir: cfg.TempDir, stderrLines: cfg.StderrLines,
		clock: cfg.Clock, log: cfg.Logger,
	}
	n := cfg.MaxProcesses
	if n <= 0 {
		n = runtime.NumCPU()
	}
	f.slots = make(chan struct{}, n)
	if f.wait == 0 {
		f.wait = 2 * time.Second
	}
	if f.retry <= 0 {
		f.retry = 5 * time.Second
	}
	if f.tempDir == "" {
		f.tempDir = os.TempDir()
	}
	if f.stderrLines <= 0 {
		f.stderrLines = 20
	}
	if f.clock == nil {
		f.clock = airkeep.SystemClock()
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.env = append(os.Environ(), "TMPDIR="+f.tempDir)
	f.ctx, f.cancel = context.WithCancel(context.Background())

	var out bytes.Buffer
	if err := f.exec(ctx, f.ffmpeg, []string{"-hide_banner", "-version"}, nil, &out); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrNotInstalled, f.ffmpeg, err)
	}
	f.version, _, _ = strings.Cut(out.String(), "\n")
	out.Reset()
	if err := f.exec(ctx, f.ffprobe, []string{"-hide_banner", "-version"}, nil, &out); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrNotInstalled, f.ffprobe, err)
	}
	out.Reset()
	if err := f.exec(ctx, f.ffmpeg, []string{"-hide_banner", "-encoders"}, nil, &out); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s -encoders: %w", ErrNotInstalled, f.ffmpeg, err)
	}
	f.encoders = parseEncoders(out.String())
	return f, nil
}

func lookPath(given, name string) (string, error) {
	if given == "" {
		given = name
	}
	p, err := exec.LookPath(given)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	return p, nil
}

// parseEncoders reads the encoder names of ffmpeg -encoders: lines of
// flags, a name and a description, after a "------" line.
func parseEncoders(s string) map[string]bool {
	enc := make(map[string]bool)
	_, list, ok := strings.Cut(s, "------\n")
	if !ok {
		return enc
	}
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			enc[f[1]] = true
		}
	}
	return enc
}

// Version is the first line of ffmpeg -version.
func (f *FFmpeg) Version() string { return f.version }

// HasEncoder reports whether ffmpeg has the named encoder (libx264,
// libvpx-vp9, ...).
func (f *FFmpeg) HasEncoder(name string) bool { return f.encoders[name] }

// Close kills every running process, waits for them, and makes later
// operations fail.
func (f *FFmpeg) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	f.wg.Wait()
	return nil
}

// errClosed reports an operation on a closed FFmpeg.
var errClosed = errors.New("media: closed")

// acquire takes a process slot for one operation, waiting up to the
// configured time. release gives it back.
func (f *FFmpeg) acquire(ctx context.Context) (release func(), err error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, errClosed
	}
	f.wg.Add(1)
	f.mu.Unlock()
	release = func() {
		<-f.slots
		f.wg.Done()
	}
	select {
	case f.slots <- struct{}{}:
		return release, nil
	default:
	}
	if f.wait < 0 {
		f.wg.Done()
		return nil, &archive.BusyError{RetryAfter: f.retry}
	}
	t := f.clock.NewTimer(f.wait)
	defer t.Stop()
	select {
	case f.slots <- struct{}{}:
		return release, nil
	case <-t.C():
		err = &archive.BusyError{RetryAfter: f.retry}
	case <-ctx.Done():
		err = ctx.Err()
	case <-f.ctx.Done():
		err = errClosed
	}
	f.wg.Done()
	return nil, err
}

// input feeds one of a process's inputs: the first is its standard input,
// the next ones file descriptors 3, 4, ...
type input func(ctx context.Context, w io.Writer) error

// ProcessError reports a process that failed.
type ProcessError struct {
	Program string
	Err     error
	// Stderr is the end of what the process wrote to its standard error.
	Stderr string
}

func (e *ProcessError) Error() string {
	msg := fmt.Sprintf("media: %s: %v", e.Program, e.Err)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

func (e *ProcessError) Unwrap() error { return e.Err }

// exec runs one process to its end: inputs fed from their own goroutines,
// standard output copied to out. It ends the process at once when ctx
// ends, when out fails, or when the FFmpeg is closed, and returns only
// once the process and every goroutine have ended.
func (f *FFmpeg) exec(ctx context.Context, program string, args []string, inputs []input, out io.Writer) error {
	return f.execFiles(ctx, program, args, inputs, nil, out)
}

// execFiles is exec with files passed to the process after the inputs'
// descriptors (3 + len(inputs) - 1 onwards).
func (f *FFmpeg) execFiles(ctx context.Context, program string, args []string, inputs []input, files []*os.File, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(f.ctx, cancel)
	defer stop()

	f.log.Debug("media tool run", "program", program, "args", args)
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Env = f.env
	cmd.Dir = f.tempDir
	cmd.WaitDelay = time.Second
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
		closers = nil
	}
	defer closeAll()
	writers := make([]*os.File, len(inputs))
	for i := range inputs {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		closers = append(closers, r, w)
		writers[i] = w
		if i == 0 {
			cmd.Stdin = r
		} else {
			cmd.ExtraFiles = append(cmd.ExtraFiles, r)
		}
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, files...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	sink := &stderrSink{f: f, program: program}
	cmd.Stderr = sink
	if err := cmd.Start(); err != nil {
		return &ProcessError{Program: program, Err: err}
	}
	// The child holds its ends of the pipes now; ours must go, so that
	// it sees end of file when a feeder is done.
	for _, c := range closers {
		if fc, ok := c.(*os.File); ok && !slices.Contains(writers, fc) {
			fc.Close()
		}
	}
	closers = nil
	var g errgroup.Group
	for i, in := range inputs {
		w := writers[i]
		g.Go(func() error {
			defer w.Close()
			err := in(ctx, w)
			if err == nil || isPipeClosed(err) {
				// Done, or the process read what it needed and went on.
				return nil
			}
			cancel()
			return err
		})
	}
	g.Go(func() error {
		_, err := io.Copy(out, stdout)
		if err != nil {
			// Stop the process now: nobody will read its output.
			cancel()
			return fmt.Errorf("media: writing output: %w", err)
		}
		return nil
	})
	gerr := g.Wait()
	werr := cmd.Wait()
	sink.flush()
	switch {
	case gerr != nil:
		return gerr
	case ctx.Err() != nil && f.ctx.Err() != nil:
		return errClosed
	case ctx.Err() != nil:
		return ctx.Err()
	case werr != nil:
		return &ProcessError{Program: program, Err: werr, Stderr: sink.tail()}
	}
	return nil
}

// isPipeClosed reports a write to a process that closed its input.
func isPipeClosed(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)
}

// stderrSink logs the first lines a process writes to its standard error,
// and keeps its last bytes for an error message.
type stderrSink struct {
	f       *FFmpeg
	program string
	partial []byte
	last    []byte
	lines   int
}

func (s *stderrSink) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(s.partial) < 4096 {
				s.partial = append(s.partial, truncate(p, 4096-len(s.partial))...)
			}
			break
		}
		s.line(append(s.partial, p[:i]...))
		s.partial = s.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (s *stderrSink) line(b []byte) {
	s.lines++
	if s.lines <= s.f.stderrLines {
		s.f.log.Warn("media tool", "program", s.program, "stderr", string(truncate(b, 300)))
	}
	s.last = append(s.last, b...)
	s.last = append(s.last, '\n')
	if len(s.last) > 2048 {
		s.last = append(s.last[:0], s.last[len(s.last)-1024:]...)
	}
}

func (s *stderrSink) flush() {
	if len(s.partial) > 0 {
		s.line(s.partial)
		s.partial = nil
	}
	if s.lines > s.f.stderrLines {
		s.f.log.Warn("media tool", "program", s.program, "stderr_lines_not_logged", s.lines-s.f.stderrLines)
	}
}

func (s *stderrSink) tail() string { return strings.TrimSpace(string(s.last)) }

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
