package hls

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// TestHostLimiterLine pins the limiter's line: slots go first come, first
// served, to blocked acquires and to waiting variants alike, a released
// slot passes straight to the head of the line, and a wait that is
// cancelled or whose context ends gives nothing away.
func TestHostLimiterLine(t *testing.T) {
	type step struct {
		op   string // acquire, reserve, release N, cancel N, ctxend N
		want []string
	}
	tests := []struct {
		name  string
		limit int
		steps []step
	}{
		{"free slots go at once", 2, []step{
			{"acquire a", []string{"a"}},
			{"reserve b", []string{"a", "b"}},
			{"acquire c", []string{"a", "b"}},
		}},
		{"first come first served", 1, []step{
			{"acquire a", []string{"a"}},
			{"reserve b", []string{"a"}},
			{"acquire c", []string{"a"}},
			{"reserve d", []string{"a"}},
			{"release a", []string{"b"}},
			{"release b", []string{"c"}},
			{"release c", []string{"d"}},
			{"release d", nil},
			{"acquire e", []string{"e"}},
		}},
		{"a newcomer does not jump the line", 1, []step{
			{"acquire a", []string{"a"}},
			{"acquire b", []string{"a"}},
			{"release a", []string{"b"}},
			{"reserve c", []string{"b"}},
			{"release b", []string{"c"}},
		}},
		{"cancelled waits are skipped", 1, []step{
			{"acquire a", []string{"a"}},
			{"reserve b", []string{"a"}},
			{"acquire c", []string{"a"}},
			{"reserve d", []string{"a"}},
			{"cancel b", []string{"a"}},
			{"ctxend c", []string{"a"}},
			{"release a", []string{"d"}},
			{"release d", nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := NewHostLimiter(tt.limit)
				var mu sync.Mutex
				holding := map[string]func(){}
				cancels := map[string]func() bool{}
				ctxs := map[string]context.CancelFunc{}
				var wg sync.WaitGroup
				defer wg.Wait()
				for _, st := range tt.steps {
					op, who, _ := strings.Cut(st.op, " ")
					switch op {
					case "acquire":
						ctx, cancel := context.WithCancel(t.Context())
						ctxs[who] = cancel
						wg.Add(1)
						go func() {
							defer wg.Done()
							rel, err := h.acquire(ctx, "origin")
							if err != nil {
								return
							}
							mu.Lock()
							holding[who] = rel
							mu.Unlock()
						}()
					case "reserve":
						var ok bool
						var cancel func() bool
						ok, cancel = h.reserve("origin", func() {
							mu.Lock()
							holding[who] = h.releaser("origin")
							mu.Unlock()
						})
						if ok {
							mu.Lock()
							holding[who] = h.releaser("origin")
							mu.Unlock()
						} else {
							cancels[who] = cancel
						}
					case "release":
						mu.Lock()
						rel := holding[who]
						delete(holding, who)
						mu.Unlock()
						require.NotNil(t, rel, "%s holds no slot", who)
						rel()
						rel() // a release is idempotent
					case "cancel":
						require.True(t, cancels[who](), "the wait of %s was still in line", who)
					case "ctxend":
						ctxs[who]()
					}
					synctest.Wait()
					mu.Lock()
					var got []string
					for k := range holding {
						got = append(got, k)
					}
					mu.Unlock()
					require.ElementsMatch(t, st.want, got, "after %q", st.op)
				}
				for _, c := range ctxs {
					c()
				}
				synctest.Wait()
				mu.Lock()
				for _, rel := range holding {
					rel()
				}
				mu.Unlock()
				h.mu.Lock()
				require.Empty(t, h.hosts, "an idle host is forgotten")
				h.mu.Unlock()
			})
		})
	}
}
