package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xentree/xentree"
)

// metrics are the Prometheus series the API exports when
// Config.Metrics is set. They live in the handler's own registry, so two
// handlers in one process do not collide.
type metrics struct {
	reg      *prometheus.Registry
	serve    http.Handler
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(eng *xentree.Engine) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xentree_http_requests_total",
		Help: "HTTP requests by route (method and path pattern) and status."}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "xentree_http_request_duration_seconds",
		Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}}, []string{"route"})
	// Gauges read the engine when scraped, each bounded so a slow store
	// cannot hang a scrape.
	read := func(f func(context.Context) float64) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return f(ctx)
		}
	}
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "xentree_index_lag_seconds",
		Help: "How long the oldest change waiting for the search index has waited."}, read(func(ctx context.Context) float64 {
		_, lag, _ := eng.IndexBacklog(ctx)
		return lag.Seconds()
	}))
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "xentree_index_pending",
		Help: "Changes waiting for the search index."}, read(func(ctx context.Context) float64 {
		n, _, _ := eng.IndexBacklog(ctx)
		return float64(n)
	}))
	live := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "xentree_live_sessions_active",
		Help: "Xentree Live sessions under way."}, read(func(ctx context.Context) float64 {
		n, _ := eng.ActiveLiveSessions(ctx)
		return float64(n)
	}))
	m.reg.MustRegister(m.requests, m.latency, lag, pending, live, providerCollector{eng},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Each store has its own figures: SQLite's memory in the process, or
	// the PostgreSQL connection pool.
	if eng.Store() == "postgres" {
		m.reg.MustRegister(poolCollector{eng})
	} else {
		m.reg.MustRegister(sqliteCollector{eng})
	}
	m.serve = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler { return m.serve }

// providerCollector exports the engine's AI provider counters.
type providerCollector struct{ eng *xentree.Engine }

var (
	providerCalls  = prometheus.NewDesc("xentree_provider_calls_total", "AI provider calls by provider and outcome.", []string{"provider", "outcome"}, nil)
	providerTokens = prometheus.NewDesc("xentree_provider_tokens_total", "AI provider tokens by provider and kind (prompt, completion).", []string{"provider", "kind"}, nil)
)

func (providerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- providerCalls
	ch <- providerTokens
}

func (c providerCollector) Collect(ch chan<- prometheus.Metric) {
	tokens := map[[2]string]int64{}
	for _, s := range c.eng.ProviderStats() {
		ch <- prometheus.MustNewConstMetric(providerCalls, prometheus.CounterValue, float64(s.Calls), s.Provider, s.Outcome)
		tokens[[2]string{s.Provider, "prompt"}] += s.PromptTokens
		tokens[[2]string{s.Provider, "completion"}] += s.CompletionTokens
	}
	for k, v := range tokens {
		ch <- prometheus.MustNewConstMetric(providerTokens, prometheus.CounterValue, float64(v), k[0], k[1])
	}
}

// sqliteCollector exports SQLite's memory, read once per scrape: the
// read visits every connection, which is worth doing once, not per series.
type sqliteCollector struct{ eng *xentree.Engine }

var sqliteMemory = prometheus.NewDesc("xentree_sqlite_memory_bytes",
	"Memory SQLite holds across the database connections, by kind (page_cache, schema, statements). It is the main use of memory outside the Go heap.", []string{"kind"}, nil)

func (sqliteCollector) Describe(ch chan<- *prometheus.Desc) { ch <- sqliteMemory }

func (c sqliteCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	m, err := c.eng.SQLiteMemory(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(sqliteMemory, err)
		return
	}
	for kind, v := range map[string]int64{"page_cache": m.PageCache, "schema": m.Schema, "statements": m.Statements} {
		ch <- prometheus.MustNewConstMetric(sqliteMemory, prometheus.GaugeValue, float64(v), kind)
	}
}

// poolCollector exports the PostgreSQL connection pool's figures, read
// once per scrape from the pool's own counters (no query).
type poolCollector struct{ eng *xentree.Engine }

var (
	poolConns         = prometheus.NewDesc("xentree_postgres_pool_connections", "PostgreSQL connections open or being opened in the pool.", nil, nil)
	poolIdle          = prometheus.NewDesc("xentree_postgres_pool_idle_connections", "PostgreSQL connections open and free.", nil, nil)
	poolAcquired      = prometheus.NewDesc("xentree_postgres_pool_acquired_connections", "PostgreSQL connections in use by a transaction.", nil, nil)
	poolMax           = prometheus.NewDesc("xentree_postgres_pool_max_connections", "The pool's bound on PostgreSQL connections (pool_max_conns).", nil, nil)
	poolAcquires      = prometheus.NewDesc("xentree_postgres_pool_acquires_total", "Connections taken from the pool.", nil, nil)
	poolEmpty         = prometheus.NewDesc("xentree_postgres_pool_empty_acquires_total", "Connections taken from the pool after waiting, because none was free.", nil, nil)
	poolCanceled      = prometheus.NewDesc("xentree_postgres_pool_canceled_acquires_total", "Waits for a connection given up because the request ended first.", nil, nil)
	poolAcquireTime   = prometheus.NewDesc("xentree_postgres_pool_acquire_seconds_total", "Time the successful acquires of a connection took, in all.", nil, nil)
	poolAcquireWaited = prometheus.NewDesc("xentree_postgres_pool_acquire_wait_seconds_total", "Time spent waiting for a connection because none was free, in all (the acquires of xentree_postgres_pool_empty_acquires_total).", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolIdle, poolAcquired, poolMax, poolAcquires, poolEmpty, poolCanceled, poolAcquireTime, poolAcquireWaited} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	p, ok := c.eng.DatabasePool()
	if !ok {
		return
	}
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolConns, float64(p.TotalConns))
	gauge(poolIdle, float64(p.IdleConns))
	gauge(poolAcquired, float64(p.AcquiredConns))
	gauge(poolMax, float64(p.MaxConns))
	counter(poolAcquires, float64(p.Acquires))
	counter(poolEmpty, float64(p.EmptyAcquires))
	counter(poolCanceled, float64(p.CanceledAcquires))
	counter(poolAcquireTime, p.AcquireTime.Seconds())
	counter(poolAcquireWaited, p.EmptyAcquireWait.Seconds())
}
