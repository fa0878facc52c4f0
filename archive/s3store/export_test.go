package s3store

// MemUsed returns the bytes of the memory budget that writers hold, for
// tests of the bound.
func MemUsed(s *Store) int64 { return s.memUsed.Load() }
