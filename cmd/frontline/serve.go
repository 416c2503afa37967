package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"frontline/api"
	"frontline/service"
)

// serveConfig is how `serve` and `demo` serve; flags default to
// $FRONTLINE_* variables.
type serveConfig struct {
	addr     string
	debug    string
	keyFile  string
	shutdown time.Duration
	api      api.Config
}

// serveFlags adds the serving flags to fs; the config is complete once fs is parsed.
func serveFlags(a *app, fs *flag.FlagSet) *serveConfig {
	c := &serveConfig{}
	fs.StringVar(&c.addr, "addr", envOr(a, "FRONTLINE_ADDR", "127.0.0.1:8080"), "address to listen on ($FRONTLINE_ADDR)")
	fs.StringVar(&c.keyFile, "key-file", a.getenv("FRONTLINE_KEY_FILE"), "the pseudonymisation key's file, kept outside the database, readable by its owner only ($FRONTLINE_KEY_FILE; or the key itself in $FRONTLINE_PSEUDONYM_KEY)")
	fs.StringVar(&c.debug, "debug-addr", a.getenv("FRONTLINE_DEBUG_ADDR"), "serve Go's profiler (/debug/pprof) on this address, apart from the API; off by default ($FRONTLINE_DEBUG_ADDR)")
	fs.DurationVar(&c.shutdown, "shutdown", 30*time.Second, "how long to let requests in flight finish on shutdown")
	fs.Int64Var(&c.api.MaxEventBytes, "max-event-bytes", envInt(a, "FRONTLINE_MAX_EVENT_BYTES", 64<<20),
		"largest POST /events body in bytes ($FRONTLINE_MAX_EVENT_BYTES)")
	fs.DurationVar(&c.api.RefreshEvery, "refresh-every", envDuration(a, "FRONTLINE_REFRESH_EVERY", time.Second),
		"recompute kept scores that ingest made stale in the background at most this often ($FRONTLINE_REFRESH_EVERY)")
	fs.BoolVar(&c.api.Open311Public, "open311-public", a.getenv("FRONTLINE_OPEN311_PUBLIC") == "true",
		"let anyone read Open311's services and requests, without notes people wrote, as many cities publish them ($FRONTLINE_OPEN311_PUBLIC=true)")
	fs.BoolVar(&c.api.SecureCookies, "secure-cookies", a.getenv("FRONTLINE_SECURE_COOKIES") == "true",
		"mark the session cookie Secure when TLS ends at a proxy in front ($FRONTLINE_SECURE_COOKIES=true)")
	fs.DurationVar(&c.api.SessionIdle, "session-idle", envDuration(a, "FRONTLINE_SESSION_IDLE", 2*time.Hour),
		"a dashboard session ends after this long without a request ($FRONTLINE_SESSION_IDLE)")
	fs.DurationVar(&c.api.SessionAbsolute, "session-max", envDuration(a, "FRONTLINE_SESSION_MAX", 12*time.Hour),
		"a dashboard session ends this long after sign-in ($FRONTLINE_SESSION_MAX)")
	return c
}

func runServe(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("serve")
	cfg := serveFlags(a, fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	// The server holds the key from outside the data, or does not start.
	key := a.keySource(cfg.keyFile)
	if key == nil {
		return usageErrorf("%s", a.t("serve：需要数据之外的假名化密钥：--key-file 文件（新辖区用 frontline key new --out 文件 生成；数据库中已有密钥的，用 frontline key move --out 文件 移出）",
			"serve: the pseudonymisation key must come from outside the data: --key-file FILE (make one with frontline key new --out FILE; a database that keeps its key gives it up with frontline key move --out FILE)"))
	}
	svc, err := a.openService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	svc.PseudoKey = key
	return a.serve(ctx, svc, *cfg)
}

// serve runs the API until ctx ends, then lets requests in flight finish.
func (a *app) serve(ctx context.Context, svc *service.Service, cfg serveConfig) error {
	pseudo, err := svc.Pseudonymizer(ctx)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(a.stderr, nil))
	// The server's own service: it audits each reader's reads once a minute.
	cfg.api.Lang = a.lang // the deployment's language: every visitor's first
	srv := api.New(service.New(svc.DB, pseudo, a.now), log, a.now, cfg.api)
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	hs := srv.HTTPServer(api.DefaultTimeouts, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("database", string(svc.DB.Engine())))
	if cfg.debug != "" {
		// The profiler's own mux: nothing of it is reachable on the API's address.
		dm := http.NewServeMux()
		dm.HandleFunc("/debug/pprof/", pprof.Index)
		dm.HandleFunc("/debug/pprof/profile", pprof.Profile)
		dm.HandleFunc("/debug/pprof/trace", pprof.Trace)
		dm.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		dm.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		dl, err := net.Listen("tcp", cfg.debug)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.debug, err)
		}
		defer dl.Close()
		go http.Serve(dl, dm)
		log.Info("profiler", slog.String("addr", dl.Addr().String()))
	}
	if a.ready != nil {
		a.ready(ln.Addr().String())
	}
	warmed := make(chan struct{})
	wctx, stopWarming := context.WithCancel(ctx)
	go func() { defer close(warmed); srv.Warm(wctx) }()
	defer func() { stopWarming(); <-warmed }()
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

func envDuration(a *app, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(a.getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

func envInt(a *app, name string, def int64) int64 {
	if n, err := strconv.ParseInt(a.getenv(name), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}
