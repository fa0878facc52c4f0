// Package audio reads how long a sound file plays and what its tags say
// of the recording, from its headers: WAV (and RF64), MP3 (and MP2), FLAC,
// and Ogg Vorbis and Opus, told apart by their bytes, not their names. A station needs the duration of every
// sound it schedules: the as-run log ends a sound with it, now-playing
// goes stale by it, and the monitor decides with it whether a sound cut by
// a restart must be pushed again. aircox reads durations with Python's
// mutagen; this is a small pure-Go reader in its place.
//
//	d, format, err := audio.DurationFile("/srv/sounds/morning/2026-11-23/show.mp3")
//	switch {
//	case errors.Is(err, audio.ErrUnknownFormat): // not a format read here (M4A, say)
//	case err != nil: // a *FormatError for a broken file, or the file's I/O error
//	default: // d is the playing time, format one of audio.MP3, audio.FLAC, …
//	}
//
// Tags are the fields royalty reports ask for (title, artist, album,
// label, ISRC), from ID3v2.2, 2.3 and 2.4 (any of the four text encodings,
// unsynchronisation of the tag or of a frame) with ID3v1 as a fallback,
// from Vorbis comments in Ogg Vorbis, Opus and FLAC, and from the "id3 "
// and LIST/INFO chunks of a WAV:
//
//	tags, _, err := audio.TagsFile(path)
//	for _, d := range tags.Dropped { // found but not kept: log them
//		logger.Warn("tag dropped", "file", path, "tag", d.Tag, "reason", d.Reason)
//	}
//
// A value is kept only if it is valid text, at most 1 KiB, without control
// characters, and, for an ISRC, 12 characters of the ISO 3901 shape
// (ParseISRC); anything else is dropped and listed, never stored.
//
// The duration is the length a decoder plays. For an MP3 with a LAME tag
// that leaves out the encoder delay and padding, as ffmpeg's decoder (so
// Liquidsoap) and mutagen do; ffprobe's format duration counts them and is
// up to three frames longer. For Opus the pre-skip is left out likewise. A
// chained Ogg file (an Icecast recording across a change of source) is the
// sum of its links.
//
// Files are taken as hostile. Headers are read in small capped pieces and
// checked against the file's size; Duration skips tags by their size, and
// ReadTags copies only the text fields it wants, 16 KiB at most each (a
// cover image is skipped); a count that the file is too small to hold is
// refused (FLAC, Ogg) or checked by counting (MP3). The one read through a whole file is the
// frame count of an MP3 without a Xing, Info or VBRI header: once, in a
// fixed 64 KiB buffer, linear in the file's size.
//
// Not read: MP4/M4A and raw AAC, Ogg FLAC and Speex, free-format MP3. An
// Ogg stream's first granule position is taken as zero, as an encoder
// writes it: the recording of a live stream that starts with a later one
// reads long.
package audio
