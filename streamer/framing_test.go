package streamer

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
		err  error
		rest string // what stays unread
	}{
		{name: "version", in: "Liquidsoap 2.1.3\r\nEND\r\n", want: "Liquidsoap 2.1.3"},
		{name: "empty body", in: "\r\nEND\r\n", want: ""},
		{name: "multi-line body uses bare LF", in: "rid=\"1\"\nstatus=\"playing\"\r\nEND\r\n", want: "rid=\"1\"\nstatus=\"playing\""},
		{name: "help uses CRLF inside", in: "Available commands:\r\n| help\r\n\r\nType \"help <command>\".\r\nEND\r\n", want: "Available commands:\r\n| help\r\n\r\nType \"help <command>\"."},
		{name: "END inside a LF line does not end it", in: "a\nEND\nb\r\nEND\r\n", want: "a\nEND\nb"},
		{name: "pipelined replies read one at a time", in: "1\r\nEND\r\n2\r\nEND\r\n", want: "1", rest: "2\r\nEND\r\n"},
		{name: "goodbye then close", in: "Bye!\r\n", want: "Bye!\r\n", err: io.ErrUnexpectedEOF},
		{name: "idle goodbye", in: "Connection timed out.. Bye!\r\n", want: "Connection timed out.. Bye!\r\n", err: io.ErrUnexpectedEOF},
		{name: "truncated terminator", in: "1\r\nEN", want: "1\r\nEN", err: io.ErrUnexpectedEOF},
		{name: "nothing", in: "", want: "", err: io.ErrUnexpectedEOF},
		{name: "too large", in: strings.Repeat("x", 100) + "\r\nEND\r\n", max: 50, err: ErrReplyTooLarge},
		{name: "exactly the limit", in: "xyz\r\nEND\r\n", max: 10, want: "xyz"},
		{name: "one over the limit", in: "wxyz\r\nEND\r\n", max: 10, err: ErrReplyTooLarge},
		{name: "line longer than the buffer", in: strings.Repeat("y", 100) + "\r\nEND\r\n", want: strings.Repeat("y", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			r := bufio.NewReaderSize(strings.NewReader(tt.in), 16)
			body, _, err := readReply(r, max, nil)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				if !errors.Is(tt.err, ErrReplyTooLarge) {
					require.Equal(t, tt.want, string(body))
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, string(body))
			rest, _ := io.ReadAll(r)
			require.Equal(t, tt.rest, string(rest))
		})
	}
}

func TestCheckArg(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		index int
		char  rune
	}{
		{name: "plain path", in: "/music/a b.mp3", index: -1},
		{name: "quotes hash unicode", in: `/music/"q" #1 é 日本.mp3`, index: -1},
		{name: "annotate", in: `annotate:title="a \"b\"",x="1":/a.mp3`, index: -1},
		{name: "LF", in: "a\nb", index: 1, char: '\n'},
		{name: "bare CR splits commands", in: "/a.wav\rdealer.skip", index: 6, char: '\r'},
		{name: "NUL", in: "a\x00", index: 1, char: 0},
		{name: "TAB", in: "\tx", index: 0, char: '\t'},
		{name: "ESC", in: "x\x1b[2J", index: 1, char: 0x1b},
		{name: "DEL", in: "x\x7f", index: 1, char: 0x7f},
		{name: "C1 NEL", in: "x\u0085y", index: 1, char: 0x85},
		{name: "line separator is not a control character", in: "x\u2028y", index: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckArg(tt.in)
			if tt.index < 0 {
				require.NoError(t, err)
				return
			}
			var ae *ArgError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tt.index, ae.Index)
			require.Equal(t, tt.char, ae.Char)
			require.Contains(t, ae.Error(), CharName(tt.char))
		})
	}
}

func TestCheckLine(t *testing.T) {
	for _, line := range []string{"", " uptime", strings.Repeat("a", maxLine+1)} {
		var ae *ArgError
		require.ErrorAs(t, checkLine(line), &ae, "%.20q", line)
	}
	require.NoError(t, checkLine("request.on_air"))
}

func TestCharName(t *testing.T) {
	require.Equal(t, "U+000A (LF)", CharName('\n'))
	require.Equal(t, "U+000D (CR)", CharName('\r'))
	require.Equal(t, "U+0000 (NUL)", CharName(0))
	require.Equal(t, "U+0001", CharName(1))
}
