package archive

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"time"
)

// Hour summaries: a DirStore keeps the listing of each quiet hour in a
// hidden file beside the hour's folder, STREAM/VARIANT/.HOUR.summary, so that
// a new process lists a closed hour with one stat and one small read
// instead of reading the folder and stat'ing every segment (a 12-hour
// playlist reads 13 hours of 1,800 files). Hidden names are skipped by
// wubloader's listings and by airkeep's, so the archive stays wubloader's.
//
// A summary is never trusted over the segments: it records the mtime of
// the hour's folder when it was taken, and is used only while the folder
// still has that mtime and was listed well after it (mtimeSlack), the rule
// the in-memory listing cache follows. Any change to the hour (a segment
// committed or backfilled, a tombstone, a removal) changes the folder's
// mtime, and the next listing rebuilds the summary; a summary that is
// unreadable, torn or from another version is ignored and rebuilt. It is
// written beside the folder, not in it, so that writing it does not change
// what it describes.

// summaryQuiet is how long an hour's folder must have been unchanged for a
// listing of it to be written as a summary: open hours change every few
// seconds and would be rewritten for nothing.
const summaryQuiet = 10 * time.Minute

const summaryMagic = "airkeep-hour-summary-1\n"

func (d *DirStore) summaryPath(stream, variant, hour string) string {
	return filepath.Join(d.root, stream, variant, "."+hour+".summary")
}

// readSummary returns the listing summarised for an hour whose folder has
// mtime, if there is a valid summary of it.
func (d *DirStore) readSummary(stream, variant, hour string, mtime time.Time) (Listing, time.Time, bool) {
	if d.noSummaries {
		return Listing{}, time.Time{}, false
	}
	b, err := os.ReadFile(d.summaryPath(stream, variant, hour))
	if err != nil {
		return Listing{}, time.Time{}, false
	}
	l, m, listedAt, err := DecodeHourSummary(b, stream, variant, hour)
	if err != nil || !m.Equal(mtime) || listedAt.Sub(mtime) <= mtimeSlack {
		return Listing{}, time.Time{}, false
	}
	return l, listedAt, true
}

// writeSummary stores l, listed at listedAt from a folder whose mtime was
// mtime, if the hour is quiet. Failures only cost the next process a
// listing.
func (d *DirStore) writeSummary(stream, variant, hour string, l Listing, mtime, listedAt time.Time) {
	if d.noSummaries || listedAt.Sub(mtime) < summaryQuiet {
		return
	}
	b := EncodeHourSummary(l, mtime, listedAt)
	path := d.summaryPath(stream, variant, hour)
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*"+tempSuffix)
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr != nil || cerr != nil {
		os.Remove(f.Name())
		return
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
	}
}

func (d *DirStore) removeSummary(stream, variant, hour string) {
	os.Remove(d.summaryPath(stream, variant, hour))
}

// EncodeHourSummary encodes an hour's listing as an hour summary, with two
// times a backend checks it against: when the hour last changed (a
// folder's mtime) and when it was listed. Backends outside this package
// (s3store) store their summaries with it.
//
// The format: magic, the two times (Unix ns), the segments (start µs,
// duration bits, size, type, hash, temp ID), the tombstones (the same but
// size), the bad names, and a CRC-32 of all that.
func EncodeHourSummary(l Listing, mtime, listedAt time.Time) []byte {
	b := make([]byte, 0, len(summaryMagic)+16+12+len(l.Segments)*58+len(l.Tombstones)*50+4)
	b = append(b, summaryMagic...)
	b = binary.LittleEndian.AppendUint64(b, uint64(mtime.UnixNano()))
	b = binary.LittleEndian.AppendUint64(b, uint64(listedAt.UnixNano()))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(l.Segments)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(l.Tombstones)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(l.Bad)))
	seg := func(s *Segment) {
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Start.UnixMicro()))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(s.Duration)))
		b = append(b, byte(s.Type))
		b = append(b, s.Hash[:]...)
		b = appendString(b, s.TempID)
	}
	for i := range l.Segments {
		seg(&l.Segments[i].Segment)
		b = binary.LittleEndian.AppendUint64(b, uint64(l.Segments[i].Size))
	}
	for i := range l.Tombstones {
		seg(&l.Tombstones[i])
	}
	for _, n := range l.Bad {
		b = appendString(b, n)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// ErrSummary reports an hour summary that cannot be used: torn, foreign,
// or from another version. It is rebuilt from a listing.
var ErrSummary = errors.New("archive: bad hour summary")

var errSummary = ErrSummary

// DecodeHourSummary decodes what EncodeHourSummary encoded for the hour
// stream/variant/hour. Every segment must lie in that hour, and sizes are
// bounded by the bytes given, so hostile bytes cannot make it allocate
// beyond them.
func DecodeHourSummary(b []byte, stream, variant, hour string) (l Listing, mtime, listedAt time.Time, err error) {
	if len(b) < len(summaryMagic)+16+12+4 || string(b[:len(summaryMagic)]) != summaryMagic {
		return l, mtime, listedAt, errSummary
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return l, mtime, listedAt, errSummary
	}
	hourStart, herr := ParseHour(hour)
	if herr != nil {
		return l, mtime, listedAt, herr
	}
	p := body[len(summaryMagic):]
	u64 := func() uint64 {
		if len(p) < 8 {
			err = errSummary
			return 0
		}
		v := binary.LittleEndian.Uint64(p)
		p = p[8:]
		return v
	}
	u32 := func() uint32 {
		if len(p) < 4 {
			err = errSummary
			return 0
		}
		v := binary.LittleEndian.Uint32(p)
		p = p[4:]
		return v
	}
	str := func() string {
		if len(p) < 2 || len(p) < 2+int(binary.LittleEndian.Uint16(p)) {
			err = errSummary
			return ""
		}
		n := int(binary.LittleEndian.Uint16(p))
		s := string(p[2 : 2+n])
		p = p[2+n:]
		return s
	}
	seg := func() Segment {
		s := Segment{Stream: stream, Variant: variant}
		s.Start = time.UnixMicro(int64(u64())).UTC()
		s.Duration = Seconds(math.Float64frombits(u64()))
		if len(p) < 1+32 {
			err = errSummary
			return s
		}
		s.Type = Type(p[0])
		copy(s.Hash[:], p[1:33])
		p = p[33:]
		s.TempID = str()
		// A summary only ever holds what a listing of this hour held.
		if s.Start.Before(hourStart) || !s.Start.Before(hourStart.Add(time.Hour)) || s.Type < Full || s.Type > Temp {
			err = errSummary
		}
		return s
	}
	mtime = time.Unix(0, int64(u64()))
	listedAt = time.Unix(0, int64(u64()))
	nSeg, nTomb, nBad := u32(), u32(), u32()
	// Every segment takes at least 51 bytes: bound the allocations by
	// what the file can hold.
	if err != nil || uint64(nSeg)+uint64(nTomb) > uint64(len(p))/49 || uint64(nBad) > uint64(len(p))/2 {
		return Listing{}, mtime, listedAt, errSummary
	}
	if nSeg > 0 {
		l.Segments = make([]Entry, nSeg)
	}
	for i := range l.Segments {
		l.Segments[i].Segment = seg()
		l.Segments[i].Size = int64(u64())
	}
	for range nTomb {
		l.Tombstones = append(l.Tombstones, seg())
	}
	for range nBad {
		l.Bad = append(l.Bad, str())
	}
	if err != nil || len(p) != 0 {
		return Listing{}, mtime, listedAt, errSummary
	}
	return l, mtime, listedAt, nil
}
