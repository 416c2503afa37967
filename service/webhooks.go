package service

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// Webhooks (DESIGN.md §9): an admin registers a URL for one unit's
// warnings or for all; every warning event the hook may carry is POSTed
// to it in order, signed with the hook's secret. A failed delivery is
// tried again after a growing wait; a hook that keeps failing is paused
// and says why. The hook's cursor in the warning log is its queue: it
// survives restarts, and nothing is dropped.

// sealPurpose is what webhook secrets are sealed for.
const sealPurpose = "webhook"

// WebhookRequest registers a hook.
type WebhookRequest struct {
	URL  string
	Unit string // "" for every unit
}

// AddWebhook registers a hook, delivering from the next warning event on,
// and returns it with its signing secret, shown this once.
func (s *Service) AddWebhook(ctx context.Context, p rbac.Principal, r WebhookRequest) (view.Webhook, string, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "webhooks"}); err != nil {
		return view.Webhook{}, "", err
	}
	u, err := url.Parse(r.URL)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || len(r.URL) > 2000 {
		return view.Webhook{}, "", fault.Sayf(fault.Invalid, "webhook", "网址 %q 须为 http 或 https 地址，且不含用户名和密码",
			"the url %q must be an http or https address without a user name or password", r.URL)
	}
	if r.Unit != "" {
		reg, err := s.DB.Registry(ctx)
		if err != nil {
			return view.Webhook{}, "", err
		}
		if !slices.ContainsFunc(reg.Units, func(x evaluation.Unit) bool { return x.Code == r.Unit }) {
			return view.Webhook{}, "", fault.Sayf(fault.Invalid, "webhook", "单位 %q 不在登记信息中", "unit %q is not in the registry", r.Unit)
		}
	}
	pseudo, err := s.Pseudonymizer(ctx)
	if err != nil {
		return view.Webhook{}, "", err
	}
	cursor, err := s.DB.LastWarning(ctx)
	if err != nil {
		return view.Webhook{}, "", err
	}
	id, secret := "wh_"+randomHex(8), "whsec_"+base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sealed, err := pseudo.Seal(sealPurpose, id, []byte(secret))
	if err != nil {
		return view.Webhook{}, "", err
	}
	w := &store.Webhook{ID: id, URL: r.URL, Unit: r.Unit, Secret: sealed, CreatedAt: s.Now(), CreatedBy: p.Actor(), Cursor: cursor}
	if err := s.DB.AddWebhook(ctx, w); err != nil {
		return view.Webhook{}, "", err
	}
	if err := s.audit(ctx, p, "webhook.add", id, map[string]string{"url": r.URL, "unit": r.Unit}); err != nil {
		// No hook that the log does not show, and whose secret no one has.
		s.DB.DeleteWebhook(context.WithoutCancel(ctx), id)
		return view.Webhook{}, "", err
	}
	if s.Hooks != nil {
		s.Hooks.Poke()
	}
	return s.webhookView(ctx, w), secret, nil
}

// Webhooks lists the hooks.
func (s *Service) Webhooks(ctx context.Context, p rbac.Principal) ([]view.Webhook, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "webhooks"}); err != nil {
		return nil, err
	}
	hooks, err := s.DB.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	out := []view.Webhook{}
	for i := range hooks {
		out = append(out, s.webhookView(ctx, &hooks[i]))
	}
	return out, nil
}

// PauseWebhook pauses a hook, or resumes it (paused false) from where it
// stopped, its failures forgiven.
func (s *Service) PauseWebhook(ctx context.Context, p rbac.Principal, id string, paused bool) (view.Webhook, error) {
	w, err := s.webhook(ctx, p, rbac.Write, id)
	if err != nil {
		return view.Webhook{}, err
	}
	action := "webhook.resume"
	if paused {
		action = "webhook.pause"
		w.Paused, w.PausedReason = true, "paused by "+p.Actor()
	} else {
		w.Paused, w.PausedReason, w.Failures, w.NextAt = false, "", 0, time.Time{}
	}
	if ok, err := s.DB.UpdateWebhook(ctx, &w, "paused", "paused_reason", "failures", "next_at"); err != nil || !ok {
		return view.Webhook{}, cmp.Or(err, webhookNotFound(id))
	}
	if err := s.audit(ctx, p, action, id, nil); err != nil {
		return view.Webhook{}, err
	}
	if s.Hooks != nil && !paused {
		s.Hooks.Poke()
	}
	return s.webhookView(ctx, &w), nil
}

// DeleteWebhook removes a hook and its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, p rbac.Principal, id string) error {
	if _, err := s.webhook(ctx, p, rbac.Write, id); err != nil {
		return err
	}
	if ok, err := s.DB.DeleteWebhook(ctx, id); err != nil || !ok {
		return cmp.Or(err, webhookNotFound(id))
	}
	return s.audit(ctx, p, "webhook.delete", id, nil)
}

// WebhookDeliveries returns a hook's latest delivery attempts, newest first.
func (s *Service) WebhookDeliveries(ctx context.Context, p rbac.Principal, id string, limit int) ([]view.WebhookDelivery, error) {
	if _, err := s.webhook(ctx, p, rbac.Read, id); err != nil {
		return nil, err
	}
	ds, err := s.DB.WebhookDeliveries(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	zone, _, err := s.zone(ctx)
	if err != nil {
		return nil, err
	}
	out := []view.WebhookDelivery{}
	for _, d := range ds {
		out = append(out, view.WebhookDelivery{Event: d.Event, Attempt: d.Attempt, At: d.At.In(zone), Status: d.Status, Error: d.Error,
			ElapsedMS: d.ElapsedMS, Delivered: d.Error == "" && d.Status >= 200 && d.Status < 300})
	}
	return out, nil
}

// webhook reads a hook the principal may act on.
func (s *Service) webhook(ctx context.Context, p rbac.Principal, action, id string) (store.Webhook, error) {
	if err := p.Authorize(ctx, action, rbac.Resource{Object: "webhooks"}); err != nil {
		return store.Webhook{}, err
	}
	w, ok, err := s.DB.Webhook(ctx, id)
	if err == nil && !ok {
		err = webhookNotFound(id)
	}
	return w, err
}

func webhookNotFound(id string) error {
	return fault.Sayf(fault.NotFound, "", "没有编号为 %q 的推送地址", "no webhook %q", id)
}

func (s *Service) webhookView(ctx context.Context, w *store.Webhook) view.Webhook {
	zone := time.UTC
	if z, _, err := s.zone(ctx); err == nil {
		zone = z
	}
	v := view.Webhook{ID: w.ID, URL: w.URL, Unit: w.Unit, State: "active", PausedReason: w.PausedReason, Failures: w.Failures,
		Cursor: w.Cursor, CreatedAt: w.CreatedAt.In(zone), CreatedBy: w.CreatedBy}
	if w.Paused {
		v.State = "paused"
	}
	if !w.NextAt.IsZero() && !w.Paused {
		t := w.NextAt.In(zone)
		v.NextAttempt = &t
	}
	return v
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// Hooks delivers the warning events to the hooks.
type Hooks struct {
	svc    *Service
	client *http.Client
	// Backoff is the wait after a hook's first failure; it doubles with
	// each failure in a row, up to an hour.
	Backoff time.Duration
	// MaxFailures is how many failures in a row pause a hook.
	MaxFailures int
	poke        chan struct{}
}

// Delivery defaults: a receiver has ten seconds to answer; the waits run
// 10 s, 20 s, 40 s … and the eighth failure in a row (about 21 minutes of
// trying) pauses the hook.
const (
	DefaultBackoff     = 10 * time.Second
	DefaultMaxFailures = 8
	deliveryTimeout    = 10 * time.Second
	maxBackoff         = time.Hour
)

// NewHooks returns the hooks' deliverer over the service.
func NewHooks(svc *Service) *Hooks {
	return &Hooks{svc: svc, client: &http.Client{Timeout: deliveryTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an answer, not followed
	}}, Backoff: DefaultBackoff, MaxFailures: DefaultMaxFailures, poke: make(chan struct{}, 1)}
}

// Poke asks for a delivery round now.
func (h *Hooks) Poke() {
	select {
	case h.poke <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: when poked (new warning events, a new or
// resumed hook), when a retry is due, and at least every MaxTick.
func (h *Hooks) Run(ctx context.Context, log *slog.Logger) {
	for {
		next, err := h.Deliver(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("webhooks", "err", err)
		}
		wait := MaxTick
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(h.svc.Now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-h.poke:
			t.Stop()
		case <-t.C:
		}
	}
}

// Deliver runs one round: every active hook whose retry is due delivers
// the events after its cursor until it is up to date or one fails. It
// returns when the earliest retry is due (zero if none waits).
func (h *Hooks) Deliver(ctx context.Context) (next time.Time, err error) {
	// One server of a database delivers at a time: a receiver gets each
	// announcement once, whatever the servers.
	_, err = h.svc.DB.Delivering(ctx, func() error {
		next, err = h.round(ctx)
		return err
	})
	return next, err
}

// round is one delivery round over every hook.
func (h *Hooks) round(ctx context.Context) (time.Time, error) {
	hooks, err := h.svc.DB.Webhooks(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for i := range hooks {
		w := &hooks[i]
		if w.Paused {
			continue
		}
		if !w.NextAt.IsZero() && w.NextAt.After(h.svc.Now()) {
			next = earliest(next, w.NextAt)
			continue
		}
		if err := h.deliverHook(ctx, w); err != nil {
			return next, err
		}
		if !w.Paused && !w.NextAt.IsZero() {
			next = earliest(next, w.NextAt)
		}
	}
	return next, nil
}

// deliverHook delivers a hook's pending events in order until one fails.
func (h *Hooks) deliverHook(ctx context.Context, w *store.Webhook) error {
	pseudo, err := h.svc.Pseudonymizer(ctx)
	if err != nil {
		return err
	}
	secret, err := pseudo.Unseal(sealPurpose, w.ID, w.Secret)
	if err != nil {
		w.Paused, w.PausedReason = true, "its secret does not open with this deployment's key: register the hook again"
		_, err := h.svc.DB.UpdateWebhook(ctx, w, "paused", "paused_reason")
		return err
	}
	zone, _, err := h.svc.zone(ctx)
	if err != nil {
		return err
	}
	for {
		events, err := h.svc.DB.WarningEvents(ctx, w.Cursor, 100)
		if err != nil || len(events) == 0 {
			return err
		}
		passed := false // events the hook does not carry, passed over
		for _, e := range events {
			d := &e.Deadline
			if w.Unit != "" && d.Unit != w.Unit && d.Street != w.Unit {
				w.Cursor, passed = e.Seq, true
				continue
			}
			body, err := json.Marshal(warningEventView(&e, zone))
			if err != nil {
				return err
			}
			// The attempt is recorded with the cursor where it stands;
			// a hook paused or deleted meanwhile stops here.
			if ok, err := h.post(ctx, w, secret, e.Seq, body); err != nil || !ok {
				return err
			}
			passed = false
		}
		if passed {
			if active, err := h.svc.DB.AdvanceWebhook(ctx, w); err != nil || !active {
				return err // paused or deleted meanwhile: it stops here
			}
		}
	}
}

// post makes one delivery attempt and records it; ok says it was
// delivered.
func (h *Hooks) post(ctx context.Context, w *store.Webhook, secret []byte, seq int64, body []byte) (ok bool, err error) {
	now := h.svc.Now()
	stamp := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(stamp + "."))
	mac.Write(body)
	d := &store.WebhookDelivery{Hook: w.ID, Event: seq, Attempt: w.Failures + 1, At: now}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Frontline-Webhook/1")
	req.Header.Set("X-Frontline-Event", "warning")
	req.Header.Set("X-Frontline-Delivery", fmt.Sprintf("%s/%d", w.ID, seq))
	req.Header.Set(SignatureHeader, "t="+stamp+",v1="+hex.EncodeToString(mac.Sum(nil)))
	start := time.Now()
	res, err := h.client.Do(req)
	d.ElapsedMS = time.Since(start).Milliseconds()
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		d.Error = err.Error()
	default:
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		d.Status = res.StatusCode
		if res.StatusCode < 200 || res.StatusCode > 299 {
			d.Error = res.Status
		}
	}
	if d.Error == "" {
		w.Cursor, w.Failures, w.NextAt = seq, 0, time.Time{}
	} else {
		w.Failures++
		w.NextAt = now.Add(min(h.Backoff<<(w.Failures-1), maxBackoff))
		if w.Failures >= h.MaxFailures {
			w.Paused = true
			w.PausedReason = fmt.Sprintf("paused after %d failed deliveries in a row; the last: %s", w.Failures, d.Error)
		}
	}
	active, err := h.svc.DB.RecordDelivery(ctx, d, w)
	return d.Error == "" && active, err
}

// SignatureHeader carries a delivery's signature: "t=UNIX,v1=HEX", HEX
// being the HMAC-SHA-256 of "UNIX." followed by the body, under the
// hook's secret. A receiver checks it, and that UNIX is recent.
const SignatureHeader = "X-Frontline-Signature"

// VerifySignature checks a delivery's signature header against its body
// and the hook's secret, and that it was signed within maxAge of now.
func VerifySignature(header string, body, secret []byte, now time.Time, maxAge time.Duration) bool {
	var stamp, sig string
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		k, v, _ := bytes.Cut(part, []byte("="))
		switch string(k) {
		case "t":
			stamp = string(v)
		case "v1":
			sig = string(v)
		}
	}
	t, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || now.Sub(time.Unix(t, 0)).Abs() > maxAge {
		return false
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(stamp + "."))
	mac.Write(body)
	return hmac.Equal(want, mac.Sum(nil))
}
