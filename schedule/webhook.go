package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/internal/backoffclock"
)

// Webhook posts each dead-air start and end as JSON to a URL:
//
//	{"station":"radio","event":"dead_air_start","log_id":12,"source":"dealer",
//	 "start":"2026-11-23T08:00:03Z","duration_s":0}
//
// ("dead_air_end" adds "end", the duration and any comment). A failed post
// (a network error, a 5xx, 408 or 429) is retried with exponential backoff;
// other 4xx are not. Posts go out one at a time, in order, from Air.Run:
// a hanging or failing endpoint delays later notices, never the playout or
// the monitor.
type Webhook struct {
	// URL is the http or https endpoint. Required.
	URL string
	// Client sends the posts. nil means a client of its own.
	Client *http.Client
	// Timeout bounds each attempt. 0 means 5s.
	Timeout time.Duration
	// MaxElapsed is how long one notice is retried before it is dropped.
	// 0 means 10 min.
	MaxElapsed time.Duration
	// Queue is how many notices wait at most; when it is full the oldest
	// is dropped. 0 means 100.
	Queue int
}

// WebhookStats counts webhook deliveries.
type WebhookStats struct {
	Sent, Failed, Dropped, Retries int64
}

type webhookPayload struct {
	Station string `json:"station,omitempty"`
	Event   string `json:"event"`
	DeadAir
	DurationS float64 `json:"duration_s"`
}

type webhookSender struct {
	cfg   Webhook
	clock airkeep.Clock
	log   *slog.Logger
	wake  chan struct{}

	mu    sync.Mutex
	queue []webhookPayload

	sent, failed, dropped, retries atomic.Int64
}

func newWebhookSender(cfg Webhook, clock airkeep.Clock, log *slog.Logger) (*webhookSender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &FieldError{Type: "Webhook", Field: "URL", Reason: "want an http or https URL"}
	}
	if cfg.Timeout < 0 || cfg.MaxElapsed < 0 || cfg.Queue < 0 {
		return nil, &FieldError{Type: "Webhook", Field: "Timeout", Reason: "negative"}
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxElapsed == 0 {
		cfg.MaxElapsed = 10 * time.Minute
	}
	if cfg.Queue == 0 {
		cfg.Queue = 100
	}
	return &webhookSender{cfg: cfg, clock: clock, log: log, wake: make(chan struct{}, 1)}, nil
}

func (w *webhookSender) stats() WebhookStats {
	return WebhookStats{Sent: w.sent.Load(), Failed: w.failed.Load(), Dropped: w.dropped.Load(), Retries: w.retries.Load()}
}

// enqueue never blocks: a full queue loses its oldest notice.
func (w *webhookSender) enqueue(p webhookPayload) {
	w.mu.Lock()
	if len(w.queue) >= w.cfg.Queue {
		w.queue = w.queue[1:]
		w.dropped.Add(1)
	}
	w.queue = append(w.queue, p)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *webhookSender) next() (webhookPayload, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return webhookPayload{}, false
	}
	p := w.queue[0]
	w.queue = w.queue[1:]
	return p, true
}

func (w *webhookSender) run(ctx context.Context) {
	for {
		p, ok := w.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
				continue
			}
		}
		w.deliver(ctx, p)
	}
}

func (w *webhookSender) deliver(ctx context.Context, p webhookPayload) {
	body, err := json.Marshal(p)
	if err != nil {
		w.failed.Add(1)
		return
	}
	attempts := 0
	op := func() error {
		attempts++
		if attempts > 1 {
			w.retries.Add(1)
		}
		return w.post(ctx, body)
	}
	b := &backoff.ExponentialBackOff{
		InitialInterval: time.Second, RandomizationFactor: 0.2, Multiplier: 2, MaxInterval: time.Minute,
		MaxElapsedTime: w.cfg.MaxElapsed, Stop: backoff.Stop, Clock: w.clock,
	}
	b.Reset()
	notify := func(err error, wait time.Duration) {
		w.log.Debug("webhook failed, retrying", "event", p.Event, "attempt", attempts, "wait", wait, "err", err)
	}
	if err := backoff.RetryNotifyWithTimer(op, backoff.WithContext(b, ctx), notify, backoffclock.New(w.clock)); err != nil {
		if ctx.Err() == nil {
			w.failed.Add(1)
			w.log.Warn("webhook not delivered", "event", p.Event, "attempts", attempts, "err", err)
		}
		return
	}
	w.sent.Add(1)
}

func (w *webhookSender) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return backoff.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "airkeep")
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("webhook: %s", resp.Status)
	default:
		return backoff.Permanent(fmt.Errorf("webhook: %s", resp.Status))
	}
}
