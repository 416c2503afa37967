package api

import (
	"encoding/json"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPagesSpeakChinese signs in as each role, opens every page of its
// menu and the error paths a person meets (a period or unit that cannot
// be read, a page or case not theirs, one not there), and reads what the
// page shows in zh-CN: text, and the words of placeholders, titles and
// alternative texts. No Latin word may show but a code (a unit's, a
// case's), a number or a proper name: anything else did not come from
// the catalogue.
func TestPagesSpeakChinese(t *testing.T) {
	f := packFixture(t)
	// Something on every page: a finding, and an appeal of a breach.
	if r := f.do(t, "dina", "POST", "/api/v1/findings", "application/json", `{"case":"W3","target":"D1","severity":"warning","note":"多次超时"}`); r.status != 201 {
		t.Fatalf("a finding: %d %s", r.status, r.body)
	}
	if r := f.do(t, "dan", "POST", "/api/v1/appeals", "application/json", `{"case":"W3","unit":"D1","target":"W3/D1/respond","reason":"电话无法接通"}`); r.status != 201 {
		t.Fatalf("an appeal: %d %s", r.status, r.body)
	}
	// The words a page may carry in Latin letters: proper names, and the
	// codes of units and cases, which are not words of any language.
	// What a person typed comes back as typed, and users are named as
	// they are called.
	allowed := map[string]bool{"Excel": true, "English": true, "Frontline": true, "API": true, "CST": true,
		"abc": true, "nowhere": true, "bogus": true, "ada": true, "olga": true, "dina": true, "sam": true, "dan": true, "dana": true, "bot": true}
	var codes []string
	for _, line := range strings.Split(f.do(t, "ada", "GET", "/api/v1/registry", "", "").body, `"code":"`)[1:] {
		codes = append(codes, line[:strings.IndexByte(line, '"')])
	}
	for _, c := range codes {
		allowed[c] = true
	}
	eachPage(t, f, "zh", func(user, path string, page reply) {
		var foreign []string
		for _, w := range latinWords(visibleText(page.body)) {
			if !allowed[w] && !slices.Contains(foreign, w) {
				foreign = append(foreign, w)
			}
		}
		if len(foreign) > 0 {
			t.Errorf("%s %s (%d) shows words not from the catalogue: %v", user, path, page.status, foreign)
		}
	})
}

// TestPagesSpeakEnglish walks the same pages after the switch to English:
// no Chinese shows but the registry's names that have no English one and
// what people typed.
func TestPagesSpeakEnglish(t *testing.T) {
	f := packFixture(t)
	typed := []string{"多次超时", "电话无法接通"}
	if r := f.do(t, "dina", "POST", "/api/v1/findings", "application/json", `{"case":"W3","target":"D1","severity":"warning","note":"`+typed[0]+`"}`); r.status != 201 {
		t.Fatalf("a finding: %d %s", r.status, r.body)
	}
	if r := f.do(t, "dan", "POST", "/api/v1/appeals", "application/json", `{"case":"W3","unit":"D1","target":"W3/D1/respond","reason":"`+typed[1]+`"}`); r.status != 201 {
		t.Fatalf("an appeal: %d %s", r.status, r.body)
	}
	allowed := map[string]bool{"中文": true} // the switch back, in its own language
	for _, w := range append(chinese.FindAllString(f.do(t, "ada", "GET", "/api/v1/registry", "", "").body, -1), typed...) {
		allowed[w] = true
	}
	eachPage(t, f, "en", func(user, path string, page reply) {
		var foreign []string
		for _, w := range chinese.FindAllString(visibleText(page.body), -1) {
			if !allowed[w] && !slices.Contains(foreign, w) {
				foreign = append(foreign, w)
			}
		}
		if len(foreign) > 0 {
			t.Errorf("%s %s (%d) in English shows Chinese not from the registry or a person: %v", user, path, page.status, foreign)
		}
	})
}

// eachPage signs in as each role and visits every page of its menu and
// the error paths a person meets (a period or unit that cannot be read, a
// page or case not theirs, one not there), in lang (the switch's cookie).
func eachPage(t *testing.T, f *fixture, lang string, visit func(user, path string, page reply)) {
	t.Helper()
	nav := regexp.MustCompile(`<nav>(.*?)</nav>`)
	href := regexp.MustCompile(`href="(/[^"]*)"`)
	errorPaths := []string{"/rankings?period=abc", "/satisfaction?period=2026-13", "/breaches?unit=nowhere", "/findings?unit=nowhere",
		"/units/D2?period=2026-06", "/units/NOPE", "/cases/W9", "/cases/W2", "/appeals?state=bogus", "/nowhere", "/cadres?period=x"}
	for _, user := range []string{"ada", "olga", "dina", "sam", "dan"} {
		setPassword(t, f.db, user, user+"'s password")
		r, s := f.login(t, user, user+"'s password")
		if r.status != 200 {
			t.Fatalf("%s signs in: %d %s", user, r.status, r.body)
		}
		h := s.headers(false)
		h["Cookie"] += "; frontline_lang=" + lang
		home := f.send(t, "GET", "/", h, "")
		m := nav.FindStringSubmatch(home.body)
		if m == nil {
			t.Fatalf("%s's home page has no menu:\n%s", user, home.body)
		}
		paths := []string{"/"}
		for _, h := range href.FindAllStringSubmatch(m[1], -1) {
			paths = append(paths, html.UnescapeString(h[1]))
		}
		for _, path := range append(paths, errorPaths...) {
			page := f.send(t, "GET", path, h, "")
			if strings.HasPrefix(page.header.Get("Content-Type"), "image/") {
				continue
			}
			visit(user, path, page)
		}
	}
}

var (
	hidden     = regexp.MustCompile(`(?s)<(script|style|svg|datalist|code)\b.*?</(script|style|svg|datalist|code)>`) // code: identifiers, as recorded
	attrText   = regexp.MustCompile(`\b(?:placeholder|title|alt|aria-label)="([^"]*)"`)
	tag        = regexp.MustCompile(`(?s)<[^>]*>`)
	latinWord  = regexp.MustCompile(`\b[A-Za-z][A-Za-z'_.]*[A-Za-z]\b`)
	chinese    = regexp.MustCompile(`[\p{Han}，。：；、（）]+`) // curly quotes are English too
	headerPart = regexp.MustCompile(`(?s)<head>.*?</head>`)
)

// visibleText is what a page shows a reader: its text, and the words of
// the attributes a reader sees or hears.
func visibleText(page string) string {
	page = headerPart.ReplaceAllString(page, " ")
	page = hidden.ReplaceAllString(page, " ")
	var b strings.Builder
	for _, m := range attrText.FindAllStringSubmatch(page, -1) {
		b.WriteString(m[1] + " ")
	}
	b.WriteString(tag.ReplaceAllString(page, " "))
	return html.UnescapeString(b.String())
}

// latinWords are the words of text in Latin letters, of two letters or more.
func latinWords(text string) []string { return latinWord.FindAllString(text, -1) }

// TestProblemsSpeakTheCallersLanguage asks the API for what it refuses —
// a body that fails its schema, a decision it will not take, a case not
// there, no credentials — without a language (the deployment's: zh-CN),
// in Chinese and in English: each problem in the language asked, its
// title too, and nothing of the other's words.
func TestProblemsSpeakTheCallersLanguage(t *testing.T) {
	f := packFixture(t)
	type ask struct{ user, method, path, body string }
	asks := []ask{
		{"dina", "POST", "/api/v1/findings", `{"case":"W3","target":"D1","severity":"grave","note":""}`},
		{"dina", "POST", "/api/v1/findings", `{"case":"W3","target":"D1","severity":"warning"`},
		{"dan", "POST", "/api/v1/appeals", `{"case":"W1","unit":"D1","target":"W1/D1/respond","reason":"x"}`},
		{"dina", "GET", "/api/v1/cases/W404", ""},
		{"dina", "POST", "/api/v1/urgings", `{"case":"W3","target":"D2"}`},
		{"", "GET", "/api/v1/scores?period=2026-06", ""},
		{"olga", "GET", "/api/v1/scores?period=June", ""},
	}
	for _, a := range asks {
		for _, lang := range []string{"", "zh-CN,zh;q=0.9", "en-US,en;q=0.8"} {
			h := map[string]string{"Accept-Language": lang, "Content-Type": "application/json"}
			if a.user != "" {
				h["Authorization"] = "Bearer " + f.tokens[a.user]
			}
			r := f.send(t, a.method, a.path, h, a.body)
			var p struct {
				Title, Detail string
				Errors        []struct{ Message string }
			}
			if err := json.Unmarshal([]byte(r.body), &p); err != nil || r.status < 400 {
				t.Errorf("%s %s: %d %s", a.method, a.path, r.status, r.body)
				continue
			}
			words := p.Title + " " + p.Detail
			for _, e := range p.Errors {
				words += " " + e.Message
			}
			han := chinese.MatchString(words)
			if en := strings.HasPrefix(lang, "en"); han == en || (!en && latinOutside(words, a.path+a.body)) {
				t.Errorf("%s %s asked in %q: %d %q", a.method, a.path, lang, r.status, words)
			}
		}
	}
}

// protocol are the words a request carries as they are: HTTP's and the
// codes a field takes.
var protocol = map[string]bool{"Authorization": true, "Bearer": true, "notice": true, "warning": true, "serious": true}

// latinOutside says whether text has English words beyond the codes, ids,
// field names and formats a Chinese message quotes, and what the request
// said (echo).
func latinOutside(text, echo string) bool {
	for _, w := range latinWords(text) {
		switch {
		case strings.Contains(echo, w):
		case strings.ContainsAny(w, "_./"), w == strings.ToUpper(w), len(w) <= 5, protocol[w]:
			// a code, a field, a short quoted value or a word of HTTP's
		default:
			return true
		}
	}
	return false
}
