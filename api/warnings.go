package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"frontline/fault"
	"frontline/service"
	"frontline/view"
)

// The live board (DESIGN.md §9): the list now, and a stream of its
// announcements.

// heartbeatEvery is how often a quiet stream sends a comment line, so
// that proxies keep it open (a variable for tests).
var heartbeatEvery = 15 * time.Second

func (s *Server) registerWarnings() {
	register(s, huma.Operation{OperationID: "list-warnings", Method: http.MethodGet, Path: "/api/v1/warnings", Tags: []string{"warnings"},
		Summary: "The live board: open milestones past the warning share of their limit (amber) or past their deadline (red)",
		Description: "Every open milestone of every open case lit amber once the policy's warning share of its limit (warn_at, default 0.8) has passed, " +
			"red once its deadline has; met or ended, it leaves the board. Sorted by time left, the most overdue first; scoped to the caller's " +
			"unit and the cases of its street, like every read (DESIGN.md §9).",
		Security: bearer}, s.listWarnings)
	register(s, huma.Operation{OperationID: "stream-warnings", Method: http.MethodGet, Path: "/api/v1/warnings/stream", Tags: []string{"warnings"},
		Summary: "The live board's announcements as Server-Sent Events",
		Description: "One event (`event: warning`, `id:` its number) when a milestone turns amber, turns red, or leaves the board met or ended, " +
			"for the caller's unit and street as on the board. A client that reconnects with `Last-Event-ID` (or `?after=`) gets every event " +
			"after that one, none twice; without either, those from now on. A comment line every 15 seconds keeps proxies from closing a quiet stream.",
		Security: bearer,
		Responses: map[string]*huma.Response{"200": {Description: "a stream of warning events", Content: map[string]*huma.MediaType{
			"text/event-stream": {Schema: &huma.Schema{Type: huma.TypeString, Description: "id: SEQ\\nevent: warning\\ndata: a WarningEvent as JSON\\n\\n, and `: heartbeat` comments",
				Examples: []any{"id: 42\nevent: warning\ndata: {\"seq\":42,\"id\":\"C1/D1/respond\",\"state\":\"amber\",…}\n\n"}}},
		}}},
	}, s.streamWarnings)
}

// WarningsInput filters and pages the board.
type WarningsInput struct {
	State  string `query:"state" enum:"amber,red" doc:"only amber or only red warnings; both when left out"`
	Unit   string `query:"unit" maxLength:"64" doc:"only this unit's milestones"`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"warnings per page"`
	Offset int    `query:"offset" minimum:"0" doc:"warnings to skip"`
}

// WarningsOutput is a page of the board as of one time.
type WarningsOutput struct {
	Body view.WarningBoard
}

func (s *Server) listWarnings(ctx context.Context, in *WarningsInput) (*WarningsOutput, error) {
	list, err := s.reads.Warnings(ctx, service.WarningQuery{State: in.State, Unit: in.Unit, Limit: in.Limit, Offset: in.Offset})
	if err != nil {
		return nil, err
	}
	return &WarningsOutput{Body: *list}, nil
}

// StreamInput says where a stream resumes.
type StreamInput struct {
	LastEventID string `header:"Last-Event-ID" maxLength:"20" doc:"the last event the client received: the stream resumes after it"`
	After       string `query:"after" maxLength:"20" doc:"as Last-Event-ID, for clients that cannot set headers"`
}

func (s *Server) streamWarnings(ctx context.Context, in *StreamInput) (*huma.StreamResponse, error) {
	after := int64(-1)
	for _, v := range []string{in.LastEventID, in.After} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fault.Sayf(fault.Invalid, "", "事件编号 %q 不是非负整数", "event id %q is not a whole number of zero or more", v)
		}
		after = n
		break
	}
	// Where the stream starts is settled before its first line: a client
	// that has read it misses nothing logged after.
	watch, err := s.reads.WarningWatch(ctx, after)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		_, w := humago.Unwrap(hctx)
		rc := http.NewResponseController(w)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
		w.WriteHeader(http.StatusOK)
		write := func(text string) error {
			rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := fmt.Fprint(w, text); err != nil {
				return err
			}
			return rc.Flush()
		}
		if write(": frontline warnings\n\n") != nil {
			return
		}
		// The stream ends when the client goes or the server closes.
		ctx, cancel := context.WithCancel(hctx.Context())
		defer cancel()
		defer context.AfterFunc(s.ctx, cancel)()
		err := watch(ctx, heartbeatEvery, func(e view.WarningEvent) error {
			data, err := json.Marshal(e)
			if err != nil {
				return err
			}
			return write(fmt.Sprintf("id: %d\nevent: warning\ndata: %s\n\n", e.Seq, data))
		}, func() error { return write(": heartbeat\n\n") })
		if err != nil && ctx.Err() == nil {
			s.log.Warn("warning stream", "err", err)
		}
	}}, nil
}

func (s *Server) registerWebhooks() {
	tags := []string{"webhooks"}
	register(s, huma.Operation{OperationID: "add-webhook", Method: http.MethodPost, Path: "/api/v1/webhooks", Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Register a webhook for the live board's announcements (admin)",
		Description: "Every warning event of the unit (its milestones and its street's cases), or of every unit, is POSTed to the URL as JSON, " +
			"in order, signed: `" + service.SignatureHeader + ": t=UNIX,v1=HEX`, HEX the HMAC-SHA-256 of `UNIX.` and the body under the secret " +
			"returned here, once. A failed delivery is tried again after 10 s, 20 s, 40 s…; the eighth failure in a row pauses the hook.",
		Security: bearer}, s.addWebhook)
	register(s, huma.Operation{OperationID: "list-webhooks", Method: http.MethodGet, Path: "/api/v1/webhooks", Tags: tags,
		Summary: "The webhooks, with their state (admin)", Security: bearer}, s.listWebhooks)
	register(s, huma.Operation{OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/api/v1/webhooks/{id}/deliveries", Tags: tags,
		Summary: "A webhook's delivery log, newest first (admin)", Security: bearer}, s.webhookDeliveries)
	register(s, huma.Operation{OperationID: "pause-webhook", Method: http.MethodPost, Path: "/api/v1/webhooks/{id}/pause", Tags: tags,
		Summary: "Pause a webhook (admin)", Security: bearer}, s.pauseWebhook(true))
	register(s, huma.Operation{OperationID: "resume-webhook", Method: http.MethodPost, Path: "/api/v1/webhooks/{id}/resume", Tags: tags,
		Summary: "Resume a webhook where it stopped, its failures forgiven (admin)", Security: bearer}, s.pauseWebhook(false))
	register(s, huma.Operation{OperationID: "delete-webhook", Method: http.MethodDelete, Path: "/api/v1/webhooks/{id}", Tags: tags,
		DefaultStatus: http.StatusNoContent, Summary: "Delete a webhook and its delivery log (admin)", Security: bearer}, s.deleteWebhook)
}

// WebhookInput registers a hook.
type WebhookInput struct {
	Body struct {
		URL  string `json:"url" minLength:"1" maxLength:"2000" doc:"an http or https address"`
		Unit string `json:"unit,omitempty" maxLength:"64" doc:"only this unit's warnings (its milestones and its street's cases); every unit when left out"`
	}
}

// WebhookOutput is one hook.
type WebhookOutput struct {
	Body struct {
		view.Webhook
		Secret string `json:"secret,omitempty" doc:"the signing secret: shown once, when the hook is made"`
	}
}

// WebhooksOutput lists hooks.
type WebhooksOutput struct {
	Body struct {
		Webhooks []view.Webhook `json:"webhooks"`
	}
}

// WebhookID names a hook.
type WebhookID struct {
	ID string `path:"id" maxLength:"64"`
}

// DeliveriesInput names a hook and how many attempts to list.
type DeliveriesInput struct {
	WebhookID
	Limit int `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

// DeliveriesOutput is a hook's delivery log.
type DeliveriesOutput struct {
	Body struct {
		Deliveries []view.WebhookDelivery `json:"deliveries"`
	}
}

func (s *Server) addWebhook(ctx context.Context, in *WebhookInput) (*WebhookOutput, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	w, secret, err := svc.AddWebhook(ctx, c, service.WebhookRequest{URL: in.Body.URL, Unit: in.Body.Unit})
	if err != nil {
		return nil, err
	}
	out := &WebhookOutput{}
	out.Body.Webhook, out.Body.Secret = w, secret
	return out, nil
}

func (s *Server) listWebhooks(ctx context.Context, _ *struct{}) (*WebhooksOutput, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	hooks, err := svc.Webhooks(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &WebhooksOutput{}
	out.Body.Webhooks = hooks
	return out, nil
}

func (s *Server) webhookDeliveries(ctx context.Context, in *DeliveriesInput) (*DeliveriesOutput, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := svc.WebhookDeliveries(ctx, c, in.ID, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &DeliveriesOutput{}
	out.Body.Deliveries = ds
	return out, nil
}

func (s *Server) pauseWebhook(paused bool) func(context.Context, *WebhookID) (*WebhookOutput, error) {
	return func(ctx context.Context, in *WebhookID) (*WebhookOutput, error) {
		svc, c, err := s.service(ctx)
		if err != nil {
			return nil, err
		}
		w, err := svc.PauseWebhook(ctx, c, in.ID, paused)
		if err != nil {
			return nil, err
		}
		out := &WebhookOutput{}
		out.Body.Webhook = w
		return out, nil
	}
}

func (s *Server) deleteWebhook(ctx context.Context, in *WebhookID) (*struct{}, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	return nil, svc.DeleteWebhook(ctx, c, in.ID)
}
