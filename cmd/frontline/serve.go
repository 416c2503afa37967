package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"frontline/api"
	"frontline/store"
)

// serveConfig is how `serve` runs; flags default to $FRONTLINE_* variables.
type serveConfig struct {
	addr          string
	maxEventBytes int64
	shutdown      time.Duration
	// ready, when set, is told the address once the server listens (tests use port 0).
	ready func(addr string)
}

func runServe(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("serve")
	addr := fs.String("addr", envOr(a, "FRONTLINE_ADDR", "127.0.0.1:8080"), "address to listen on ($FRONTLINE_ADDR)")
	maxBytes := fs.Int64("max-event-bytes", envInt(a, "FRONTLINE_MAX_EVENT_BYTES", 64<<20), "largest POST /events body in bytes ($FRONTLINE_MAX_EVENT_BYTES)")
	grace := fs.Duration("shutdown", 30*time.Second, "how long to let requests in flight finish on shutdown")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return a.serve(ctx, db, serveConfig{addr: *addr, maxEventBytes: *maxBytes, shutdown: *grace, ready: a.ready})
}

// serve runs the API until ctx ends, then lets requests in flight finish.
func (a *app) serve(ctx context.Context, db *store.DB, cfg serveConfig) error {
	pseudo, err := a.pseudonymizer(ctx, db)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(a.stderr, nil))
	srv := api.New(db, pseudo, log, a.now, api.Config{MaxEventBytes: cfg.maxEventBytes})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("database", string(db.Engine())))
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", slog.Duration("grace", cfg.shutdown))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// runOpenAPI prints the OpenAPI document.
func runOpenAPI(ctx context.Context, a *app, args []string) error {
	fs, _ := a.flags("openapi")
	if err := parse(fs, args); err != nil {
		return err
	}
	doc, err := api.Document()
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(doc)
	return err
}

func envOr(a *app, name, def string) string {
	if v := a.getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(a *app, name string, def int64) int64 {
	if n, err := strconv.ParseInt(a.getenv(name), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}
