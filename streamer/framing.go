package streamer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// terminator ends every reply of Liquidsoap's command server. Lines inside a
// multi-line body are separated by a bare "\n" (or "\r\n" in help texts);
// only this exact sequence ends the reply. An empty body is the terminator
// alone.
const terminator = "\r\nEND\r\n"

// maxLine bounds a command line. Liquidsoap accepts far longer lines, but
// nothing legitimate comes near it, and a bound keeps a runaway caller from
// streaming megabytes into the server.
const maxLine = 64 << 10

// CheckArg reports whether s can travel inside one command line: it must not
// contain a control character (C0, DEL or C1), since Liquidsoap's server
// splits commands on CR and LF and reads NUL and the rest as data that no
// file name or id needs. It returns an *ArgError naming the first offending
// character.
func CheckArg(s string) error {
	for i := 0; i < len(s); {
		b := s[i]
		if b < 0x20 || b == 0x7f {
			return &ArgError{Value: s, Index: i, Char: rune(b)}
		}
		if b < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x80 && r <= 0x9f {
			return &ArgError{Value: s, Index: i, Char: r}
		}
		i += size
	}
	if len(s) > maxLine {
		return &ArgError{Value: s[:64] + "…", Index: -1, Reason: "longer than 64 KiB"}
	}
	return nil
}

// checkLine validates a whole command line before it is sent. An empty line
// gets no reply at all from Liquidsoap (the client would wait forever), and
// a leading space makes every command unknown.
func checkLine(line string) error {
	if line == "" {
		return &ArgError{Value: line, Index: -1, Reason: "empty command"}
	}
	if line[0] == ' ' {
		return &ArgError{Value: line, Index: -1, Reason: "command starts with a space"}
	}
	return CheckArg(line)
}

// readReply reads one reply from r and returns its body: everything before
// the terminator. At most max bytes (terminator included) are read; past
// that it returns ErrReplyTooLarge. On a read error or EOF before the
// terminator it returns what was read so far with the error, so that the
// caller can recognise the server's goodbye lines. buf is scratch space that
// readReply may grow; the grown slice is returned for reuse.
func readReply(r *bufio.Reader, max int, buf []byte) (body []byte, scratch []byte, err error) {
	buf = buf[:0]
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > max {
			return nil, buf, ErrReplyTooLarge
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			if bytes.HasSuffix(buf, []byte(terminator)) {
				return buf[:len(buf)-len(terminator)], buf, nil
			}
		case errors.Is(err, bufio.ErrBufferFull):
			// A line longer than the reader's buffer: keep reading.
		case errors.Is(err, io.EOF):
			return buf, buf, io.ErrUnexpectedEOF
		default:
			return buf, buf, err
		}
	}
}
