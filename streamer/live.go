package streamer

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNoLive is returned by the live-slot methods of a Controller whose
// station has no live input taking slots (Live.Slots).
var ErrNoLive = errors.New("streamer: the station has no live input with slots")

// OpenLive opens the live slot: from now on the harbor accepts a source
// client giving user and password (and no other), until CloseLive. user
// must be a non-empty word; password must not be empty. Neither may hold a
// control character (*ArgError).
func (c *Controller) OpenLive(ctx context.Context, user, password string) error {
	if err := c.needSlots(); err != nil {
		return err
	}
	if err := checkName(user); err != nil {
		return err
	}
	if password == "" || strings.TrimSpace(password) != password {
		return &ArgError{Value: "(password)", Index: -1, Reason: "empty, or with leading or trailing spaces"}
	}
	if err := CheckArg(password); err != nil {
		return &ArgError{Value: "(password)", Index: -1, Reason: "control character"}
	}
	body, err := c.client.Command(ctx, "airkeep.live_open "+user+" "+password)
	if err != nil {
		// The client's errors quote the command line, password included.
		return fmt.Errorf("streamer: open live slot for %s: %w", user, redacted(err))
	}
	if strings.TrimSpace(body) != "OK" {
		return &ParseError{Command: "airkeep.live_open", Reply: body, Reason: `want "OK"`}
	}
	return nil
}

// redacted returns the sentinel err matches, without the message that
// quotes the command line.
func redacted(err error) error {
	for _, s := range []error{ErrClosed, ErrUnavailable, ErrTimeout, ErrConnLost, ErrReplyTooLarge, ErrUnknownCommand} {
		if errors.Is(err, s) {
			return s
		}
	}
	return errors.New("streamer: command failed")
}

// CloseLive closes the live slot: no source client is accepted any more,
// and the one connected, if any, is disconnected (the harbor's stop
// command). The station returns to its dealer and music.
func (c *Controller) CloseLive(ctx context.Context) error {
	if err := c.needSlots(); err != nil {
		return err
	}
	if _, err := c.client.query(ctx, "airkeep.live_close"); err != nil {
		return fmt.Errorf("streamer: close live slot: %w", err)
	}
	if _, err := c.client.query(ctx, c.st.LiveID()+".stop"); err != nil {
		return fmt.Errorf("streamer: disconnect live client: %w", err)
	}
	return nil
}

// LiveConnected reports whether a source client feeds the live input now
// (the harbor's status command).
func (c *Controller) LiveConnected(ctx context.Context) (bool, error) {
	if c.st.Live == nil {
		return false, ErrNoLive
	}
	body, err := c.client.query(ctx, c.st.LiveID()+".status")
	if err != nil {
		return false, fmt.Errorf("streamer: live status: %w", err)
	}
	switch s := strings.TrimSpace(body); {
	case strings.HasPrefix(s, "source client connected"):
		return true, nil
	case strings.HasPrefix(s, "no source client connected"):
		return false, nil
	default:
		return false, &ParseError{Command: c.st.LiveID() + ".status", Reply: body, Reason: "want a source client status"}
	}
}

func (c *Controller) needSlots() error {
	if c.st.Live == nil || !c.st.Live.Slots {
		return ErrNoLive
	}
	return nil
}
