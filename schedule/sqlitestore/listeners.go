package sqlitestore

import (
	"context"
	"database/sql"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/listeners"
)

var _ schedule.ListenerStore = (*Store)(nil)

// listenerSchema is schema version 3: listener samples.
const listenerSchema = `
CREATE TABLE listener_sample (
	station_id INTEGER NOT NULL REFERENCES station(id),
	at_us      INTEGER NOT NULL,
	mount      TEXT NOT NULL,
	listeners  INTEGER NOT NULL,
	PRIMARY KEY (station_id, at_us, mount)
);
`

// RecordListeners implements schedule.ListenerStore.
func (s *Store) RecordListeners(ctx context.Context, stationID int64, samples []listeners.Sample) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, "INSERT OR REPLACE INTO listener_sample (station_id, at_us, mount, listeners) VALUES (?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer st.Close()
		for _, x := range samples {
			if _, err := st.ExecContext(ctx, stationID, x.At.UTC().UnixMicro(), x.Mount, x.Listeners); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListenerSamples implements schedule.ListenerStore.
func (s *Store) ListenerSamples(ctx context.Context, stationID int64, from, to time.Time) ([]listeners.Sample, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT at_us, mount, listeners FROM listener_sample WHERE station_id = ? AND at_us >= ? AND at_us < ? ORDER BY at_us, mount",
		stationID, from.UTC().UnixMicro(), to.UTC().UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []listeners.Sample
	for rows.Next() {
		var x listeners.Sample
		var at int64
		if err := rows.Scan(&at, &x.Mount, &x.Listeners); err != nil {
			return nil, err
		}
		x.At = time.UnixMicro(at).UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}
