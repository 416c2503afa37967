package open311

import (
	"cmp"
	"time"

	"frontline/evaluation"
)

// Names names registry codes for the output: a unit's or a category's
// name, or the code itself when it has none.
type Names interface {
	Unit(code string) string
	Category(code string) string
}

// Out says how a case is written as a service request.
type Out struct {
	Names Names
	// Loc is the zone of the case (the policy's at its opening): its
	// times carry that zone's offset.
	Loc *time.Location
	// Notes adds the notes trail and the extended attributes' codes.
	Notes bool
	// Public leaves out what only Frontline's users may read: the notes
	// people wrote (status_notes, the notes' descriptions).
	Public bool
}

// RequestOf writes a case as a service request. The trail gives the
// location and, with o.Notes set, the notes: opened, the lead's response
// and reports as activity, each follow-on agency's dispatch and
// resolution, and closes. Ratings, evaluations, appeals and findings stay
// inside Frontline, and the reporter is never named. expected_datetime is
// the lead's first disposal deadline. extended_attributes carries the
// street and agency codes, so that the importer gives back the same
// units.
func RequestOf(c evaluation.Case, assignments []evaluation.Assignment, deadlines []evaluation.Deadline, trail []evaluation.Event, o Out) Request {
	names, loc, notes := o.Names, o.Loc, o.Notes
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	r := Request{ServiceRequestID: c.ID, Status: "open", ServiceCode: c.Category, ServiceName: names.Category(c.Category),
		RequestedDatetime: at(c.OpenedAt), UpdatedDatetime: at(c.LastEventAt),
		ExtendedAttributes: Attributes{"street": c.Street}}
	if c.Street != "" {
		r.ExtendedAttributes["street_name"] = names.Unit(c.Street)
	}
	if c.Source != "" {
		r.ExtendedAttributes["channel"] = c.Source
	}
	if c.Closed {
		r.Status = "closed"
	}
	var first evaluation.Assignment // the first dispatched as lead
	for _, a := range assignments {
		if a.Role == "lead" && !a.DispatchedAt.IsZero() && (first.Unit == "" || a.DispatchedAt.Before(first.DispatchedAt)) {
			first = a
		}
	}
	lead := first.Unit
	if lead != "" {
		r.AgencyResponsible = names.Unit(lead)
		r.ExtendedAttributes["agency_code"] = lead
	}
	for _, d := range deadlines {
		if d.Unit == lead && lead != "" && d.Milestone == evaluation.Dispose && d.Round == 1 {
			r.ExpectedDatetime = at(d.Due)
		}
	}
	role := map[string]string{}
	for _, a := range assignments {
		role[a.Unit] = a.Role
	}
	for _, e := range trail {
		switch e.Type {
		case evaluation.Opened:
			r.Address, r.Description, r.Lat, r.Long = e.Address, e.Title, e.Lat, e.Lon
			if notes {
				r.Notes = append(r.Notes, Note{Datetime: at(e.At), Type: "opened", Summary: "Request opened"})
			}
		case evaluation.Closed:
			if !o.Public {
				r.StatusNotes = e.Note
			}
			if notes {
				r.Notes = append(r.Notes, Note{Datetime: at(e.At), Type: "closed", Summary: "Request closed"})
			}
		}
		if !notes {
			continue
		}
		agency := Attributes{"agency_responsible": names.Unit(e.Unit), "agency_code": e.Unit}
		switch {
		case e.Type == evaluation.Dispatched && e.Unit != lead:
			r.Notes = append(r.Notes, Note{Datetime: at(e.At), Type: "follow_on_created", Summary: "Follow-on created",
				Description: "created for " + names.Unit(e.Unit), ExtendedAttributes: agency})
		case e.Type == evaluation.Resolved && e.Unit != lead && role[e.Unit] != "":
			r.Notes = append(r.Notes, Note{Datetime: at(e.At), Type: "follow_on_closed", Summary: "Follow-on closed",
				Description: "closed by " + names.Unit(e.Unit), ExtendedAttributes: agency})
		case (e.Type == evaluation.Responded || e.Type == evaluation.Reported) && e.Unit == lead:
			summary := map[evaluation.EventType]string{evaluation.Responded: "Responded", evaluation.Reported: "Reported back"}[e.Type]
			n := Note{Datetime: at(e.At), Type: "activity", Summary: summary, Description: e.Note}
			if o.Public {
				n.Description = ""
			}
			r.Notes = append(r.Notes, n)
		}
	}
	return r
}

// ServicesOf lists the registry's categories as Open311 services.
func ServicesOf(categories []evaluation.Category, lang string) []Service {
	out := make([]Service, 0, len(categories))
	for _, c := range categories {
		name := c.Name.Zh
		if lang == "en" && c.Name.En != "" || name == "" {
			name = c.Name.En
		}
		name = cmp.Or(name, c.Code)
		out = append(out, Service{ServiceCode: c.Code, ServiceName: name, Description: name, Type: "realtime"})
	}
	return out
}
