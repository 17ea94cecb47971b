package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"modernc.org/sqlite"

	"github.com/xentree/xentree/store"
)

// Memory reads each open connection's counters. A connection can only be
// read between its statements, so this waits its turn on the writer and
// holds every open reader at once for a moment: give it a bounded ctx.
func (db *Driver) Memory(ctx context.Context) (store.Memory, error) {
	var m memory
	select {
	case db.wlock <- struct{}{}:
	case <-ctx.Done():
		return store.Memory(m), mapErr(ctx.Err())
	}
	err := db.connect(ctx)
	if err == nil {
		err = m.add(db.wc)
	}
	<-db.wlock
	if err != nil {
		return store.Memory(m), mapErr(err)
	}
	if err := m.addReaders(ctx, db.readers); err != nil {
		return store.Memory(m), mapErr(err)
	}
	if err := m.addPool(ctx, db.ckpt); err != nil {
		return store.Memory(m), mapErr(err)
	}
	return store.Memory(m), nil
}

// memory is store.Memory with the methods that read it.
type memory store.Memory

// addReaders reads every open reader, holding them together so that none
// is read twice; it waits, within ctx, for those in use.
func (m *memory) addReaders(ctx context.Context, p *readers) error {
	var held []*reader
	defer func() {
		for _, rd := range held {
			p.put(rd, false)
		}
	}()
	for len(held) < int(p.open.Load()) {
		select {
		case rd := <-p.idle:
			held = append(held, rd)
			if err := m.add(rd.conn); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// addPool reads every open connection of pool, holding them together so
// that none is read twice and none missed.
func (m *memory) addPool(ctx context.Context, pool *sql.DB) error {
	open := pool.Stats().OpenConnections
	conns := make([]*sql.Conn, 0, open)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range open {
		c, err := pool.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		if err := m.add(c); err != nil {
			return err
		}
	}
	return nil
}

func (m *memory) add(c *sql.Conn) error {
	return c.Raw(func(dc any) error {
		st, ok := dc.(sqlite.DBStatus)
		if !ok {
			return errors.New("store: the SQLite driver has no db_status")
		}
		for _, f := range []struct {
			op  sqlite.DBStatusOp
			sum *int64
		}{{sqlite.DBStatusCacheUsed, &m.Cache}, {sqlite.DBStatusSchemaUsed, &m.Schema}, {sqlite.DBStatusStmtUsed, &m.Statements}} {
			cur, _, err := st.Status(f.op, false)
			if err != nil {
				return err
			}
			*f.sum += int64(cur)
		}
		m.Conns++
		return nil
	})
}
