package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/airkeep/airkeep/schedule"
)

var _ schedule.SealStore = (*Store)(nil)

// sealSchema is schema version 2: the seal chain. Version 1 databases
// gain it on open, rows untouched.
const sealSchema = `
CREATE TABLE seal (
	station_id   INTEGER NOT NULL REFERENCES station(id),
	seq          INTEGER NOT NULL,
	kind         INTEGER NOT NULL,
	log_id       INTEGER NOT NULL,
	body         BLOB NOT NULL,
	link         BLOB NOT NULL,
	sealed_at_us INTEGER NOT NULL,
	PRIMARY KEY (station_id, seq)
);
CREATE INDEX seal_log ON seal (log_id);
`

// AppendSeals implements SealStore, in one IMMEDIATE transaction.
func (s *Store) AppendSeals(ctx context.Context, stationID, after int64, seals []schedule.Seal) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM seal WHERE station_id = ?", stationID).Scan(&last); err != nil {
			return err
		}
		if last != after {
			return fmt.Errorf("append seals after %d, chain at %d: %w", after, last, schedule.ErrSealConflict)
		}
		st, err := tx.PrepareContext(ctx, "INSERT INTO seal (station_id, seq, kind, log_id, body, link, sealed_at_us) VALUES (?, ?, ?, ?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer st.Close()
		for i, x := range seals {
			if _, err := st.ExecContext(ctx, stationID, after+int64(i)+1, int(x.Kind), x.LogID, x.Body, x.Link[:], x.SealedAt.UTC().UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
}

// LastSeal implements SealStore.
func (s *Store) LastSeal(ctx context.Context, stationID int64, kind schedule.SealKind) (schedule.Seal, bool, error) {
	if kind == 0 {
		return s.oneSeal(ctx, "WHERE station_id = ? ORDER BY seq DESC LIMIT 1", stationID)
	}
	return s.oneSeal(ctx, "WHERE station_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1", stationID, int(kind))
}

// SealBefore implements SealStore.
func (s *Store) SealBefore(ctx context.Context, stationID int64, t time.Time) (schedule.Seal, bool, error) {
	return s.oneSeal(ctx, "WHERE station_id = ? AND sealed_at_us < ? ORDER BY seq DESC LIMIT 1", stationID, t.UTC().UnixMicro())
}

func (s *Store) oneSeal(ctx context.Context, where string, args ...any) (schedule.Seal, bool, error) {
	x := schedule.Seal{StationID: args[0].(int64)}
	var link []byte
	var at int64
	err := s.db.QueryRowContext(ctx, "SELECT seq, kind, log_id, body, link, sealed_at_us FROM seal "+where, args...).
		Scan(&x.Seq, &x.Kind, &x.LogID, &x.Body, &link, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return schedule.Seal{}, false, nil
	}
	if err != nil {
		return schedule.Seal{}, false, err
	}
	copy(x.Link[:], link)
	x.SealedAt = time.UnixMicro(at).UTC()
	return x, true, nil
}

// Seals implements SealStore.
func (s *Store) Seals(ctx context.Context, stationID, after int64, limit int) ([]schedule.Seal, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, "SELECT seq, kind, log_id, body, link, sealed_at_us FROM seal WHERE station_id = ? AND seq > ? ORDER BY seq LIMIT ?", stationID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schedule.Seal
	for rows.Next() {
		x := schedule.Seal{StationID: stationID}
		var link []byte
		var at int64
		if err := rows.Scan(&x.Seq, &x.Kind, &x.LogID, &x.Body, &link, &at); err != nil {
			return nil, err
		}
		copy(x.Link[:], link)
		x.SealedAt = time.UnixMicro(at).UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}
