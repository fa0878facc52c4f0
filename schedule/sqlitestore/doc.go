// Package sqlitestore is the embedded schedule.Store: one SQLite file
// through the pure-Go modernc.org/sqlite driver (no cgo). It lives apart
// from schedule so that a program using only schedule.MemStore, or another
// backend, links no database driver.
//
//	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: "station.db"})
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	mon, err := schedule.NewMonitor(schedule.MonitorConfig{Store: store, ...})
//
// schedule/scheduletest pins it, as it pins MemStore.
package sqlitestore
