// Package archive is airkeep's content-addressed store of HLS segments.
//
// Every segment is one file whose name says what it is: stream, variant,
// start time, duration, completeness and the SHA-256 of its bytes, laid out
// exactly as wubloader lays out its archive:
//
//	desertbus/source/2019-11-13T02/45:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts
//
// Because names are content addresses, copies made by several nodes
// converge: two nodes that store the same bytes store the same file, and a
// better copy (full rather than partial) simply wins selection. airkeep nodes
// and wubloader nodes can read each other's archives.
//
// A Store holds the segments: DirStore on a local folder, MemStore in memory,
// archive/s3store in an S3 bucket. It is a ladder of small interfaces, and
// each consumer takes the rung it uses: Reader (list, open) for the Handler,
// Selector, Verify and RoughCut; Writer (create, tombstone) for capture;
// ReadWriter for the Backfiller; Remover (remove an hour) for retention.
// Writing streams the bytes through SHA-256 and commits them atomically
// under their hash:
//
//	store, err := archive.NewDirStore(archive.DirConfig{Root: "./segments"})
//	w, err := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: pdt, Duration: 2.0})
//	io.Copy(w, resp.Body)              // hashed as it arrives
//	seg, err := w.Commit(ctx, archive.Full) // or Suspect, Partial; Abort discards
//
// A Selector picks the best timeline for a time range with wubloader's
// rules (one winner per start time, full before suspect before partial,
// explicit holes), and RoughCut concatenates it:
//
//	sel := archive.NewSelector(store, archive.SelectorConfig{})
//	tl, err := sel.Best(ctx, archive.Query{Stream: "radio", Variant: "source", Start: t1, End: t2})
//	_, err = archive.RoughCut(ctx, store, tl, out)
//
// A Handler serves a store with the HTTP API of wubloader's restreamer
// (listings, segments, playlists, cuts), and a Backfiller fills a node's
// holes from peers that serve that API, wubloader nodes included:
//
//	http.ListenAndServe(":8000", archive.NewHandler(store, archive.HandlerConfig{}))
//	b, err := archive.NewBackfiller(store, archive.BackfillConfig{Peers: []string{"http://node2:8000"}})
//	err = b.Run(ctx) // until ctx ends; Pass makes one pass
//
// Coverage reports what each hour holds, with the quantities of
// wubloader's segment_coverage (segment counts, raw and editable coverage,
// holes, overlaps), and draws wubloader's coverage map; the Handler serves
// it at /coverage/. Prune deletes whole old hours for retention, on the
// Remover rung, never leaving an hour half there:
//
//	rep, err := sel.Coverage(ctx, "radio", "source", t1, t2) // rep.Hours, rep.Total(), rep.Map()
//	res, err := archive.Prune(ctx, store, archive.PruneConfig{Cutoff: now.Add(-720 * time.Hour)})
//
// A DirStore or an s3store keeps a summary of each closed hour's listing
// beside it, hidden, so that a new process does not list closed hours
// again; a summary is never trusted over the hour it describes.
//
// airkeep parses names more strictly than wubloader: every component is
// validated, so a name from a peer or a foreign file can never climb out of
// the archive, and a name that does not parse is skipped and reported
// (Listing.Bad, Stats.BadNames), never fatal. Verify re-hashes a whole store.
//
// Errors: sentinels for what callers branch on (ErrNotFound, ErrHoles,
// ErrClosed, ErrCutoff), typed errors for bad input (*NameError, *RangeError, *CutoffError,
// *HolesError, and *ConfigError, which keeps its cause for errors.Is and
// errors.As). What a Backfiller or Verify meets along the way is reported
// as events with a kind (BackfillKind, ProblemKind), not returned.
package archive
