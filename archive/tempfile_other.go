//go:build !linux

package archive

import "os"

func openUnnamed(dir string) (*os.File, bool, error) { return nil, false, nil }

func linkUnnamed(f *os.File, final string) (bool, error) { panic("archive: no unnamed files here") }

func procFDs() bool { return false }
