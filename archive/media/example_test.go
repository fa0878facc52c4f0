package media_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/media"
)

// A node without ffmpeg still serves: New says so, and the Handler runs
// without Media, answering 501 for what needs it.
func ExampleNew() {
	tools, err := media.New(context.Background(), media.Config{FFmpeg: "/nonexistent/ffmpeg"})
	cfg := archive.HandlerConfig{}
	if err == nil {
		defer tools.Close()
		cfg.Media = tools
	}
	fmt.Println(errors.Is(err, media.ErrNotInstalled), cfg.Media == nil)
	// Output: true true
}
