// Package open311 speaks Open311 GeoReport v2: it reads service requests,
// with the notes trails some cities publish (extensions=true), into case
// trails, and writes Frontline's cases back as service requests, so that
// Open311 clients can read them.
package open311

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/formats"
)

// Request is a GeoReport v2 service request, with Chicago's extensions:
// extended_attributes and the notes trail.
type Request struct {
	ServiceRequestID   string     `json:"service_request_id" xml:"service_request_id"`
	Status             string     `json:"status" xml:"status"` // open or closed
	StatusNotes        string     `json:"status_notes,omitempty" xml:"status_notes,omitempty"`
	ServiceName        string     `json:"service_name,omitempty" xml:"service_name,omitempty"`
	ServiceCode        string     `json:"service_code,omitempty" xml:"service_code,omitempty"`
	Description        string     `json:"description,omitempty" xml:"description,omitempty"`
	AgencyResponsible  string     `json:"agency_responsible,omitempty" xml:"agency_responsible,omitempty"`
	ServiceNotice      string     `json:"service_notice,omitempty" xml:"service_notice,omitempty"`
	RequestedDatetime  string     `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime    string     `json:"updated_datetime,omitempty" xml:"updated_datetime,omitempty"`
	ExpectedDatetime   string     `json:"expected_datetime,omitempty" xml:"expected_datetime,omitempty"`
	Address            string     `json:"address,omitempty" xml:"address,omitempty"`
	AddressID          string     `json:"address_id,omitempty" xml:"address_id,omitempty"`
	Zipcode            string     `json:"zipcode,omitempty" xml:"zipcode,omitempty"`
	Lat                *float64   `json:"lat,omitempty" xml:"lat,omitempty"`
	Long               *float64   `json:"long,omitempty" xml:"long,omitempty"`
	MediaURL           string     `json:"media_url,omitempty" xml:"media_url,omitempty"`
	ExtendedAttributes Attributes `json:"extended_attributes,omitempty" xml:"extended_attributes,omitempty"`
	Notes              []Note     `json:"notes,omitempty" xml:"notes>note,omitempty"`
}

// Note is one step of a request's trail.
type Note struct {
	Datetime           string     `json:"datetime" xml:"datetime"`
	Summary            string     `json:"summary,omitempty" xml:"summary,omitempty"`
	Description        string     `json:"description,omitempty" xml:"description,omitempty"`
	Type               string     `json:"type" xml:"type"` // opened, submitted, activity, follow_on_created, follow_on_closed, closed
	ExtendedAttributes Attributes `json:"extended_attributes,omitempty" xml:"extended_attributes,omitempty"`
}

// Service is an entry of services.json.
type Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"` // realtime
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

// Options say how to read requests.
type Options struct {
	// Source names the data set in event ids (default open311).
	Source string
	// CasePrefix goes before every request id.
	CasePrefix string
	// Location reads times without an offset (default UTC); GeoReport v2
	// asks for offsets, but not every city gives them.
	Location *time.Location
	// Channels map extended_attributes.channel to event sources (default:
	// phone → hotline, web, open311 and mobile → resident, else other).
	Channels map[string]string
}

// Decoder reads a JSON array of service requests into case events, one
// at a time; it implements ingest.Decoder. Each request becomes:
//   - opened at requested_datetime, in the category of its service code,
//     in the street of its ward, from its channel;
//   - dispatched (lead) to agency_responsible at the same time;
//   - responded by that agency at the first note that is not opened or
//     submitted, the first thing anyone did;
//   - per note: follow_on_created a dispatch (assist) to the follow-on's
//     agency, follow_on_closed that agency's resolved, a later activity
//     the lead's reported, closed the lead's resolved and the case's
//     closed; submitted goes into the opening event's note;
//   - closed at updated_datetime when the status is closed but no note
//     says when (flagged).
type Decoder struct {
	opt     Options
	dec     *json.Decoder
	n       int
	pending []*formats.Record
	quality formats.Quality
	found   formats.Found
}

// NewDecoder returns a decoder reading a JSON array of requests from r.
func NewDecoder(r io.Reader, opt Options) *Decoder {
	if opt.Source == "" {
		opt.Source = "open311"
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Channels == nil {
		opt.Channels = map[string]string{"phone": "hotline", "web": "resident", "open311": "resident", "mobile": "resident",
			"email": "resident", "internal": "other"}
	}
	return &Decoder{opt: opt, dec: json.NewDecoder(r)}
}

// Quality is what the requests' problems were, so far.
func (d *Decoder) Quality() *formats.Quality { return &d.quality }

// Found is the registry the requests name: agencies as departments, wards
// as streets, services as categories (class C).
func (d *Decoder) Found() *evaluation.Registry { return d.found.Registry() }

// Next returns the next event.
func (d *Decoder) Next() (*formats.Record, error) {
	for len(d.pending) == 0 {
		if d.n == 0 {
			tok, err := d.dec.Token()
			if err == io.EOF {
				return nil, errors.New("empty file: want a JSON array of service requests")
			}
			if delim, ok := tok.(json.Delim); err != nil || !ok || delim != '[' {
				return nil, fmt.Errorf("want a JSON array of service requests, got %v %v", tok, err)
			}
		}
		if !d.dec.More() {
			return nil, io.EOF
		}
		d.n++
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("request %d: %w", d.n, err)
		}
		d.quality.Rows++
		var req Request
		if err := json.Unmarshal(raw, &req); err != nil {
			d.quality.Add(formats.ProblemRejected, d.n, "", err.Error())
			d.pending = append(d.pending, &formats.Record{Line: d.n, Raw: raw, Err: fmt.Errorf("service request: %w", err)})
			continue
		}
		events, err := d.events(&req)
		if err != nil {
			d.quality.Add(formats.ProblemRejected, d.n, req.ServiceRequestID, err.Error())
			d.pending = append(d.pending, &formats.Record{Line: d.n, Raw: raw, Err: err})
			continue
		}
		for _, e := range events {
			d.pending = append(d.pending, &formats.Record{Line: d.n, Raw: raw, Event: e})
		}
	}
	rec := d.pending[0]
	d.pending = d.pending[1:]
	return rec, nil
}

// parseTime reads an Open311 time: RFC 3339, or without an offset in the
// options' zone.
func (d *Decoder) parseTime(field, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, d.opt.Location); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &evaluation.FieldError{Field: field, Reason: fmt.Sprintf("%q is not an ISO 8601 time", v)}
}

func (d *Decoder) events(req *Request) ([]evaluation.Event, error) {
	id := strings.TrimSpace(req.ServiceRequestID)
	if id == "" {
		return nil, &evaluation.FieldError{Field: "service_request_id", Reason: "required"}
	}
	caseID := d.opt.CasePrefix + id
	if req.RequestedDatetime == "" {
		return nil, &evaluation.FieldError{Field: "requested_datetime", Reason: "required"}
	}
	opened, err := d.parseTime("requested_datetime", req.RequestedDatetime)
	if err != nil {
		return nil, err
	}
	type note struct {
		Note
		at time.Time
	}
	notes := make([]note, 0, len(req.Notes))
	for i, n := range req.Notes {
		at, err := d.parseTime(fmt.Sprintf("notes[%d].datetime", i), n.Datetime)
		if err != nil {
			return nil, err
		}
		notes = append(notes, note{n, at})
	}

	var flags []string
	flag := func(kind, detail string) {
		d.quality.Add(kind, d.n, caseID, detail)
		flags = append(flags, kind)
	}
	lead := d.unit(text(req.ExtendedAttributes["agency_code"]), req.AgencyResponsible, evaluation.Department, "")
	if lead == "" {
		lead = "unknown"
		flag(formats.ProblemMissingAgency, "no agency_responsible")
		d.unit(lead, "", evaluation.Department, "")
	}
	ward := text(req.ExtendedAttributes["ward"])
	street := d.unit(text(req.ExtendedAttributes["street"]), text(req.ExtendedAttributes["street_name"]), evaluation.Street, "")
	if street == "" {
		street = d.unit("", ward, evaluation.Street, "ward ")
	}
	if street == "" {
		street = "unknown"
		flag(formats.ProblemMissingArea, "no extended_attributes.ward")
		d.unit(street, "", evaluation.Street, "")
	}
	category := d.category(req.ServiceCode, req.ServiceName)
	if category == "" {
		category = "unknown"
		flag(formats.ProblemMissingCategory, "no service_code or service_name")
		d.category(category, "")
	}

	eid := func(what string) string { return formats.SourceEventID(d.opt.Source, id, what) }
	open := evaluation.Event{ID: eid("opened"), Case: caseID, Type: evaluation.Opened, At: opened, Category: category,
		Street: street, Source: "other", Address: req.Address, Title: req.Description, Lat: req.Lat, Lon: req.Long}
	channel := strings.ToLower(text(req.ExtendedAttributes["channel"]))
	if s, ok := d.opt.Channels[channel]; ok {
		open.Source = s
	} else if slices.Contains(evaluation.Sources, channel) { // Frontline's own output
		open.Source = channel
	}
	out := []evaluation.Event{{}, // the opening event, once its note is known
		{ID: eid("dispatched"), Case: caseID, Type: evaluation.Dispatched, At: opened, Unit: lead, By: "platform", Role: "lead"}}
	var remarks []string
	acted, closedAt := false, time.Time{}
	for i, n := range notes {
		nid := eid("n" + strconv.Itoa(i+1))
		said := strings.Join(nonEmpty(n.Summary, n.Description), ": ")
		if n.Type != "opened" && n.Type != "submitted" && !acted {
			acted = true
			if n.at.Before(opened) {
				flag(formats.ProblemRespondedBeforeOpen, "first action "+n.Datetime)
			}
			out = append(out, evaluation.Event{ID: nid + ":responded", Case: caseID, Type: evaluation.Responded, At: n.at, Unit: lead})
		}
		switch n.Type {
		case "opened":
		case "submitted":
			remarks = append(remarks, said+" "+n.Datetime)
		case "activity":
			out = append(out, evaluation.Event{ID: nid, Case: caseID, Type: evaluation.Reported, At: n.at, Unit: lead, Note: said})
		case "follow_on_created", "follow_on_closed":
			agency := d.unit(text(n.ExtendedAttributes["agency_code"]), text(n.ExtendedAttributes["agency_responsible"]), evaluation.Department, "")
			if agency == "" {
				flag(formats.ProblemMissingAgency, fmt.Sprintf("notes[%d] names no agency", i))
				continue
			}
			if n.Type == "follow_on_created" {
				out = append(out, evaluation.Event{ID: nid, Case: caseID, Type: evaluation.Dispatched, At: n.at, Unit: agency,
					By: "platform", Role: "assist", Note: said})
			} else {
				out = append(out, evaluation.Event{ID: nid, Case: caseID, Type: evaluation.Resolved, At: n.at, Unit: agency, Note: said})
			}
		case "closed":
			out = append(out, evaluation.Event{ID: nid + ":resolved", Case: caseID, Type: evaluation.Resolved, At: n.at, Unit: lead},
				evaluation.Event{ID: nid, Case: caseID, Type: evaluation.Closed, At: n.at, Note: req.StatusNotes})
			if closedAt.IsZero() {
				closedAt = n.at
			}
		default:
			remarks = append(remarks, "note of type "+n.Type+": "+said)
			d.quality.Add("unknown_note_type", d.n, caseID, n.Type)
		}
	}
	if strings.EqualFold(req.Status, "closed") && closedAt.IsZero() {
		if req.UpdatedDatetime == "" {
			flag(formats.ProblemClosedWithoutNote, "status closed, no closed note and no updated_datetime")
		} else if at, err := d.parseTime("updated_datetime", req.UpdatedDatetime); err != nil {
			return nil, err
		} else {
			flag(formats.ProblemClosedWithoutNote, "closed at updated_datetime "+req.UpdatedDatetime)
			out = append(out, evaluation.Event{ID: eid("resolved"), Case: caseID, Type: evaluation.Resolved, At: at, Unit: lead},
				evaluation.Event{ID: eid("closed"), Case: caseID, Type: evaluation.Closed, At: at, Note: req.StatusNotes})
			closedAt = at
		}
	}
	switch {
	case closedAt.IsZero():
		d.quality.Add(formats.ProblemNotClosed, d.n, caseID, "status "+req.Status)
	case closedAt.Before(opened):
		flag(formats.ProblemClosedBeforeOpened, "closed "+closedAt.Format(time.RFC3339))
	}
	if len(flags) > 0 {
		remarks = append(remarks, formats.QualityNote+strings.Join(flags, ", "))
	}
	open.Note = strings.Join(remarks, "; ")
	out[0] = open
	return out, nil
}

// category is the service's code, registered with its name.
func (d *Decoder) category(code, name string) string {
	code, name = strings.TrimSpace(code), strings.TrimSpace(name)
	if code == "" {
		code = formats.Code(name)
	}
	if name == "" {
		name = code
	}
	if code == "" || len(code) > evaluation.MaxCodeLen {
		return ""
	}
	d.found.Category(code, name, "C")
	return code
}

// unit is a unit's code: the one given (Frontline's own output names
// it), else one made from prefix and value; it registers the unit with
// the value as its name.
func (d *Decoder) unit(code, value string, unitKind evaluation.UnitKind, prefix string) string {
	code, value = strings.TrimSpace(code), strings.TrimSpace(value)
	name := strings.TrimSpace(prefix + value)
	if code == "" && value != "" {
		code = formats.Code(prefix + value)
	}
	if code == "" || len(code) > evaluation.MaxCodeLen {
		return ""
	}
	if value == "" {
		name = code
	}
	d.found.Unit(code, name, unitKind)
	return code
}

// text is a JSON value as text: strings as they are, numbers as written.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Attributes are GeoReport's extended_attributes: in JSON an object, in
// XML one element per key, in key order.
type Attributes map[string]any

// MarshalXML writes each attribute as an element of its key.
func (a Attributes) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if err := enc.EncodeElement(fmt.Sprint(a[k]), xml.StartElement{Name: xml.Name{Local: k}}); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}
