package archive

import "os"

// Knobs for the tests of DirStore's durability, in package archive_test.

// UseNamedTemp makes d write segments to hidden named temporary files, as
// it does where the file system has no O_TMPFILE.
func UseNamedTemp(d *DirStore) { d.unnamed.Store(false) }

// UsesUnnamedTemp reports whether d writes segments to unnamed files.
func UsesUnnamedTemp(d *DirStore) bool { return d.unnamed.Load() }

// SetFsync replaces d's fsync, to watch or stop commits.
func SetFsync(d *DirStore, fsync func(*os.File) error) { d.fsync = fsync }
