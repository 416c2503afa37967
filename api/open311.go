package api

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"frontline/api/auth"
	"frontline/api/problem"
	"frontline/fault"
	"frontline/formats/open311"
	"frontline/rbac"
	"frontline/service"
	"frontline/view"
)

// Open311 GeoReport v2, out (DESIGN.md §10): services and service
// requests as JSON or XML, the filters and paging the specification and
// its common extensions name, errors as GeoReport's error list. A caller
// signs in with a bearer token, the dashboard's session or ?api_key=
// (for clients that cannot send a header), and reads what that user may
// read: requests of the cases of their domain, services (the registry's
// categories) for every role. With Config.Open311Public anyone reads
// services and requests, without what people wrote.

// registerOpen311 adds GeoReport v2's read side to the mux. It is not
// part of the JSON API's OpenAPI document: GeoReport is its own
// specification.
func (s *Server) registerOpen311() {
	s.mux.HandleFunc("GET /open311/v2/{file}", s.open311Index)
	s.mux.HandleFunc("GET /open311/v2/requests/{file}", s.open311One)
}

// open311Reader is who reads: a user, or the public (zero principal and
// public set) when the server allows it.
type open311Reader struct {
	p      rbac.Principal
	public bool
}

// open311Caller authenticates an Open311 read: a bearer token, then
// ?api_key=, then the dashboard's session; without any, the public if the
// server allows it.
func (s *Server) open311Caller(w http.ResponseWriter, r *http.Request) (context.Context, open311Reader, error) {
	ctx := r.Context()
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = r.URL.Query().Get("api_key")
	}
	var name string
	switch cookie, _ := r.Cookie(SessionCookie); {
	case token != "":
		u, err := s.auth.TokenUser(ctx, token)
		if err != nil {
			return ctx, open311Reader{}, &problem.Error{Status: http.StatusUnauthorized, Detail: "invalid or expired token or api_key", Zh: "令牌或 api_key 无效或已过期"}
		}
		name = u.Name
	case cookie != nil:
		u, err := s.auth.SessionUser(ctx, cookie.Value, r.Method, "")
		if err != nil {
			return ctx, open311Reader{}, &problem.Error{Status: http.StatusUnauthorized, Detail: "sign in again", Zh: "请重新登录"}
		}
		name = u.Name
	case s.cfg.Open311Public:
		return ctx, open311Reader{public: true}, nil
	default:
		return ctx, open311Reader{}, &problem.Error{Status: http.StatusUnauthorized,
			Detail: "send Authorization: Bearer TOKEN or ?api_key=TOKEN", Zh: "请发送 Authorization: Bearer 令牌，或 ?api_key=令牌"}
	}
	auth.NoteUser(w, name)
	ctx = auth.WithUser(ctx, name)
	c, err := s.auth.Caller(ctx)
	return ctx, open311Reader{p: c}, err
}

// open311Format is a file name's format: json or xml, and its stem.
func open311Format(file string) (stem, format string, ok bool) {
	for _, f := range []string{"json", "xml"} {
		if stem, found := strings.CutSuffix(file, "."+f); found && stem != "" {
			return stem, f, true
		}
	}
	return "", "", false
}

// open311Index answers services.{json,xml} and requests.{json,xml}.
func (s *Server) open311Index(w http.ResponseWriter, r *http.Request) {
	stem, format, ok := open311Format(r.PathValue("file"))
	if !ok || (stem != "services" && stem != "requests") {
		s.open311Error(w, r, "json", &problem.Error{Status: http.StatusNotFound,
			Detail: "want services.json, services.xml, requests.json or requests.xml", Zh: "请用 services.json、services.xml、requests.json 或 requests.xml"})
		return
	}
	ctx, reader, err := s.open311Caller(w, r)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	lang := namesLang(r)
	if stem == "services" {
		if !reader.public {
			if err := reader.p.AuthorizeSome(ctx, rbac.Read, "registry"); err != nil {
				s.open311Error(w, r, format, err)
				return
			}
		}
		reg, err := s.svc.Registry(ctx)
		if err != nil {
			s.open311Error(w, r, format, err)
			return
		}
		s.open311Write(w, format, "services", open311.ServicesOf(reg.Categories, lang))
		return
	}
	q, page, size, err := open311Query(r)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	out, err := s.open311List(ctx, reader, q, page, size, r.URL.Query().Get("extensions") == "true", lang)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	s.open311Write(w, format, "service_requests", out)
}

// open311One answers requests/ID.{json,xml}: an array of one, as
// GeoReport writes it.
func (s *Server) open311One(w http.ResponseWriter, r *http.Request) {
	id, format, ok := open311Format(r.PathValue("file"))
	if !ok {
		s.open311Error(w, r, "json", &problem.Error{Status: http.StatusNotFound, Detail: "want /open311/v2/requests/ID.json or ID.xml",
			Zh: "请用 /open311/v2/requests/编号.json 或 编号.xml"})
		return
	}
	ctx, reader, err := s.open311Caller(w, r)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	out, err := s.open311List(ctx, reader, service.CaseQuery{IDs: []string{id}}, 1, 1, r.URL.Query().Get("extensions") == "true", namesLang(r))
	if err == nil && len(out) == 0 {
		err = service.CaseNotFound(id)
	}
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	s.open311Write(w, format, "service_requests", out)
}

// namesLang is the language ?lang= asks services and units to be named
// in: en, else zh.
func namesLang(r *http.Request) string {
	if r.URL.Query().Get("lang") == "en" {
		return "en"
	}
	return "zh"
}

// open311PageSize is a page's default and largest size: GeoReport's
// 1,000 requests.
const open311PageSize = 1000

// open311Query reads GeoReport v2's filters and the paging extension.
// service_request_id, when given, overrides the other filters, as the
// specification says.
func open311Query(r *http.Request) (service.CaseQuery, int, int, error) {
	v := r.URL.Query()
	bad := func(en, zh string) error { return &problem.Error{Status: http.StatusBadRequest, Detail: en, Zh: zh} }
	page, size := 1, open311PageSize
	for _, p := range []struct {
		name string
		n    *int
		max  int
	}{{"page", &page, 1 << 30}, {"page_size", &size, open311PageSize}} {
		if text := v.Get(p.name); text != "" {
			n, err := strconv.Atoi(text)
			if err != nil || n < 1 || n > p.max {
				return service.CaseQuery{}, 0, 0, bad(p.name+": want a whole number from 1 to "+strconv.Itoa(p.max)+", not "+strconv.Quote(text),
					p.name+"：须为 1 到 "+strconv.Itoa(p.max)+" 的整数，收到的是 "+strconv.Quote(text))
			}
			*p.n = n
		}
	}
	q := service.CaseQuery{IDs: splitList(v.Get("service_request_id"))}
	if len(q.IDs) > 0 {
		return q, page, size, nil
	}
	q.Categories = splitList(v.Get("service_code"))
	for _, d := range []struct {
		name string
		t    *time.Time
	}{{"start_date", &q.From}, {"end_date", &q.To}} {
		text := v.Get(d.name)
		if text == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return q, 0, 0, bad(d.name+": want an ISO 8601 time with its offset, such as 2026-10-01T00:00:00+08:00",
				d.name+"：须为带时区偏移的 ISO 8601 时间，例如 2026-10-01T00:00:00+08:00")
		}
		*d.t = t
	}
	statuses := splitList(v.Get("status"))
	for _, st := range statuses {
		if st != "open" && st != "closed" {
			return q, 0, 0, bad("status: want open, closed or both, not "+strconv.Quote(st), "status：须为 open、closed 或两者，收到的是 "+strconv.Quote(st))
		}
	}
	if len(statuses) == 1 {
		q.Status = statuses[0]
	}
	return q, page, size, nil
}

// open311List writes page (from 1) of size requests among the cases a
// query selects that the reader may read, each in its own zone.
func (s *Server) open311List(ctx context.Context, reader open311Reader, q service.CaseQuery, page, size int, extensions bool, lang string) ([]open311.Request, error) {
	reg, err := s.svc.Registry(ctx)
	if err != nil {
		return nil, err
	}
	policies, err := s.svc.Policies(ctx)
	if err != nil {
		return nil, err
	}
	p := reader.p
	if reader.public {
		p = rbac.Local() // every case, written without what people wrote
	}
	cases, err := s.svc.ReadableCases(ctx, p, q, (page-1)*size, size)
	if err != nil {
		return nil, err
	}
	names := view.NamesOf(reg, lang)
	out := []open311.Request{}
	for _, v := range cases {
		o := open311.Out{Names: names, Loc: policies.At(v.Case.OpenedAt).Location, Notes: extensions, Public: reader.public}
		out = append(out, open311.RequestOf(v.Case, v.Assignments, v.Deadlines, v.Trail, o))
	}
	if !reader.public {
		if err := s.svc.AuditRead(ctx, p, "open311.read", "requests", map[string]int{"requests": len(out)}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// open311Write writes a list as JSON, or as XML under root.
func (s *Server) open311Write(w http.ResponseWriter, format, root string, list any) {
	if format == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Write([]byte(xml.Header))
		enc := xml.NewEncoder(w)
		item := map[string]string{"services": "service", "service_requests": "request"}[root]
		if err := enc.Encode(xmlList{root: root, item: item, list: list}); err != nil {
			s.log.Warn("open311: writing XML", "error", err)
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

// xmlList is a list as GeoReport's XML writes it: a root element with one
// element per item.
type xmlList struct {
	root, item string
	list       any
}

func (l xmlList) MarshalXML(enc *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: l.root}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	switch list := l.list.(type) {
	case []open311.Service:
		for _, v := range list {
			if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: l.item}}); err != nil {
				return err
			}
		}
	case []open311.Request:
		for _, v := range list {
			if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: l.item}}); err != nil {
				return err
			}
		}
	}
	return enc.EncodeToken(start.End())
}

// open311Error answers an error as GeoReport's error list, in the
// format asked and the request's language, with the HTTP status.
func (s *Server) open311Error(w http.ResponseWriter, r *http.Request, format string, err error) {
	a := problem.Of(s.log, err) // with the Chinese of a *problem.Error or a fault
	var pe *problem.Error
	if !errors.As(err, &pe) && fault.KindOf(err) != fault.Internal {
		a.Detail = fault.Text(err, "en") // without the developer's operation
	}
	for k, v := range a.Header {
		w.Header()[k] = v
	}
	type geoError struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	}
	list := []geoError{{Code: a.Status, Description: say(a, langOf(r.Context()))}}
	if format == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(a.Status)
		w.Write([]byte(xml.Header))
		xml.NewEncoder(w).Encode(struct {
			XMLName xml.Name   `xml:"errors"`
			Errors  []geoError `xml:"error"`
		}{Errors: list})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	json.NewEncoder(w).Encode(list)
}

// splitList reads a comma-separated list, without blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
