package dashboard

import (
	"net/http"

	"frontline/evaluation"
	"frontline/service"
	"frontline/view"
)

// warningsData is the live board as a page shows it.
type warningsData struct {
	State, Unit string
	Amber, Red  int
	Total       int
	Warnings    []view.Warning
}

// warningsPerPage is how many warnings the page lists: the board is read
// at a glance, the most urgent first.
const warningsPerPage = 500

// warningsPage is the live board (预警看板, DESIGN.md §9) for the command
// centre, inspectors and heads: sorted by time left, amber and red told
// apart by word and mark as well as colour; its script follows the
// warning stream and reads the table again at each announcement, without
// reloading the page. ?partial=1 answers the table alone, for the script.
func (s *Pages) warningsPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	state := r.URL.Query().Get("state")
	if state != string(evaluation.Amber) && state != string(evaluation.Red) {
		state = ""
	}
	unit, err := p.unitParam(r.URL.Query().Get("unit"))
	if err != nil {
		return "", err
	}
	list, err := s.reads.Warnings(r.Context(), service.WarningQuery{State: state, Unit: unit, Limit: warningsPerPage})
	if err != nil {
		return "", err
	}
	p.Title, p.Script = p.T("warnings.title"), "warnings.js"
	p.Data = warningsData{State: state, Unit: unit, Amber: list.Amber, Red: list.Red, Total: list.Total, Warnings: list.Warnings}
	if r.URL.Query().Get("partial") == "1" {
		pageHeaders(w.Header(), p)
		return "", s.pages["warnings"].ExecuteTemplate(w, "warningBoard", p)
	}
	return "warnings", nil
}
