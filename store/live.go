package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/xtime"
)

// LiveSessionRow is a stored Live session; times in Unix milliseconds.
type LiveSessionRow struct {
	ID              string
	UserID          string
	SessionType     string
	StartedAt       int64
	LastHeartbeatAt int64
	EndedAt         int64
	EndReason       string
	ChargedMS       int64
}

const liveSessionCols = `id, user_id, session_type, started_at, last_heartbeat_at, ended_at, COALESCE(end_reason, ''), charged_ms`

func scanLiveSession(row interface{ Scan(...any) error }) (LiveSessionRow, error) {
	var s LiveSessionRow
	var ended sql.NullInt64
	err := row.Scan(&s.ID, &s.UserID, &s.SessionType, &s.StartedAt, &s.LastHeartbeatAt, &ended, &s.EndReason, &s.ChargedMS)
	s.EndedAt = ended.Int64
	return s, err
}

// LiveSessionGet returns userID's session, or NotFound.
func (tx *Tx) LiveSessionGet(ctx context.Context, userID, id string) (LiveSessionRow, error) {
	s, err := scanLiveSession(tx.queryRow(ctx, `SELECT `+liveSessionCols+` FROM live_sessions WHERE id = ? AND user_id = ?`, id, userID))
	return s, mapErr(err)
}

// LiveSessionActive returns userID's active session, or NotFound.
func (tx *Tx) LiveSessionActive(ctx context.Context, userID string) (LiveSessionRow, error) {
	s, err := scanLiveSession(tx.queryRow(ctx, `SELECT `+liveSessionCols+` FROM live_sessions WHERE user_id = ? AND ended_at IS NULL`, userID))
	return s, mapErr(err)
}

// LiveSessionInsert stores a new active session.
func (tx *Tx) LiveSessionInsert(ctx context.Context, s LiveSessionRow) error {
	_, err := tx.exec(ctx, `INSERT INTO live_sessions (id, user_id, session_type, started_at, last_heartbeat_at, charged_ms)
		VALUES (?, ?, ?, ?, ?, 0)`, s.ID, s.UserID, s.SessionType, s.StartedAt, s.LastHeartbeatAt)
	return mapErr(err)
}

// LiveSessionUpdate writes a session's charge, last heartbeat and end.
func (tx *Tx) LiveSessionUpdate(ctx context.Context, s LiveSessionRow) error {
	res, err := tx.exec(ctx, `UPDATE live_sessions SET last_heartbeat_at = ?, ended_at = ?, end_reason = ?, charged_ms = ? WHERE id = ?`,
		s.LastHeartbeatAt, nullMillis(s.EndedAt), nullString(s.EndReason), s.ChargedMS, s.ID)
	return mustAffect(res, err)
}

// LiveSessionsSilent returns active sessions last heard from before cutoff.
func (tx *Tx) LiveSessionsSilent(ctx context.Context, cutoff int64, limit int) ([]LiveSessionRow, error) {
	return queryAll(ctx, tx, `SELECT `+liveSessionCols+` FROM live_sessions WHERE ended_at IS NULL AND last_heartbeat_at < ?
		ORDER BY last_heartbeat_at LIMIT ?`, []any{cutoff, limit}, scanLiveSession)
}

// LiveUsage returns the milliseconds charged to userID in period.
func (tx *Tx) LiveUsage(ctx context.Context, userID, period string) (int64, error) {
	var ms int64
	err := tx.queryRow(ctx, `SELECT used_ms FROM live_usage WHERE user_id = ? AND period = ?`, userID, period).Scan(&ms)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return ms, mapErr(err)
}

// LiveUsageAdd charges ms to userID in period.
func (tx *Tx) LiveUsageAdd(ctx context.Context, userID, period string, ms int64) error {
	_, err := tx.exec(ctx, `INSERT INTO live_usage (user_id, period, used_ms) VALUES (?, ?, ?)
		ON CONFLICT (user_id, period) DO UPDATE SET used_ms = live_usage.used_ms + excluded.used_ms`, userID, period, ms)
	return mapErr(err)
}

// TranscriptInsert stores a transcript with its turns.
func (tx *Tx) TranscriptInsert(ctx context.Context, userID string, t *live.Transcript, turns []live.Turn) error {
	t.CreatedAt = xtime.Of(tx.Now)
	b, err := json.Marshal(turns)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO live_transcripts (id, user_id, session_id, session_started_at, session_ended_at,
		turn_count, preview, turns, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, userID, t.SessionID, t.SessionStartedAt.Millis(), t.SessionEndedAt.Millis(), t.TurnCount, t.Preview, string(b), tx.NowMillis())
	return mapErr(err)
}

const transcriptCols = `id, session_id, session_started_at, session_ended_at, turn_count, preview, created_at`

func scanTranscript(row interface{ Scan(...any) error }, turns *string) (live.Transcript, error) {
	var t live.Transcript
	var sid sql.NullString
	var started, ended, created int64
	dst := []any{&t.ID, &sid, &started, &ended, &t.TurnCount, &t.Preview, &created}
	if turns != nil {
		dst = append(dst, turns)
	}
	err := row.Scan(dst...)
	if sid.Valid {
		t.SessionID = &sid.String
	}
	t.SessionStartedAt, t.SessionEndedAt, t.CreatedAt = xtime.FromMillis(started), xtime.FromMillis(ended), xtime.FromMillis(created)
	return t, err
}

// TranscriptGet returns userID's transcript with its turns, or NotFound.
func (tx *Tx) TranscriptGet(ctx context.Context, userID, id string) (live.Transcript, error) {
	var turns string
	t, err := scanTranscript(tx.queryRow(ctx, `SELECT `+transcriptCols+`, turns FROM live_transcripts WHERE id = ? AND user_id = ?`, id, userID), &turns)
	if err != nil {
		return t, mapErr(err)
	}
	return t, json.Unmarshal([]byte(turns), &t.Transcripts)
}

// TranscriptList returns userID's transcripts, newest first, without turns.
func (tx *Tx) TranscriptList(ctx context.Context, userID string, after *cursor.Position, limit int) ([]live.Transcript, error) {
	q := `SELECT ` + transcriptCols + ` FROM live_transcripts WHERE user_id = ?`
	args := []any{userID}
	q, args = byCreatedNewest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, func(row interface{ Scan(...any) error }) (live.Transcript, error) {
		return scanTranscript(row, nil)
	})
}

// VisibleTranscripts returns which of ids are userID's transcripts.
func (tx *Tx) VisibleTranscripts(ctx context.Context, userID string, ids []string) (map[string]Visible, error) {
	return tx.visible(ctx, `SELECT id, '', preview, created_at FROM live_transcripts WHERE user_id = ? AND id IN `, userID, ids)
}

// transcriptSource reads Live transcripts as their turns' text.
var transcriptSource = sourceQuery{
	sel: `SELECT id, user_id, COALESCE(session_id, ''), turns, created_at FROM live_transcripts`,
	id:  "id",
	scan: func(row interface{ Scan(...any) error }) (SearchSource, error) {
		s := SearchSource{Type: "transcript"}
		var turns string
		if err := row.Scan(&s.ID, &s.UserID, &s.ParentID, &turns, &s.CreatedAt); err != nil {
			return s, err
		}
		var ts []live.Turn
		if err := json.Unmarshal([]byte(turns), &ts); err != nil {
			return s, err
		}
		s.Body = live.Text(ts)
		return s, nil
	},
}

// LiveActiveCount counts sessions that have not ended.
func (tx *Tx) LiveActiveCount(ctx context.Context) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM live_sessions WHERE ended_at IS NULL`).Scan(&n)
	return n, mapErr(err)
}
