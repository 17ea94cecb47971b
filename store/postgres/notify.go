package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notify sends payload on channel (pg_notify): every session listening on
// it, on any node, hears it.
func (d *Driver) Notify(ctx context.Context, channel, payload string) error {
	_, err := d.pool.Exec(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return mapErr(err)
}

// Listen listens on channel with a connection of its own (outside the
// pool) until ctx ends, calling handle with each payload. state(true) is
// called once LISTEN is in effect, state(false) when the connection fails;
// it then reconnects with backoff, up to 5 s apart.
func (d *Driver) Listen(ctx context.Context, channel string, handle func(payload string), state func(up bool)) {
	cfg := d.pool.Config().ConnConfig.Copy()
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			if _, err = c.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
				c.Close(context.WithoutCancel(ctx))
			}
		}
		if err != nil {
			state(false)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		wait = 100 * time.Millisecond
		state(true)
		for {
			n, err := c.WaitForNotification(ctx)
			if err != nil {
				break
			}
			handle(n.Payload)
		}
		state(false)
		c.Close(context.WithoutCancel(ctx))
	}
}
