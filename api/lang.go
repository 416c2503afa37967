package api

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"frontline/api/problem"
)

// A problem's words are in the caller's language: the first of Chinese
// or English its Accept-Language names, else the deployment's (zh-CN
// unless it says otherwise). What Frontline itself says comes from
// fault.Sayf's pairs; what the API's framework says (validation, bodies,
// parameters) is read back from its English messages through said.

type langKey struct{}

// requestLang is the language a request's answers are in.
func requestLang(r *http.Request, deployment string) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return "zh"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	if deployment == "en" {
		return "en"
	}
	return "zh"
}

// langOf is the language a request's context carries; zh without one.
func langOf(ctx context.Context) string {
	if l, _ := ctx.Value(langKey{}).(string); l == "en" {
		return "en"
	}
	return "zh"
}

func init() {
	// Every problem the framework writes itself (a body that fails its
	// schema, a parameter missing) is written in the request's language.
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		e := huma.NewError(status, msg, errs...)
		if m, ok := e.(*huma.ErrorModel); ok && ctx != nil {
			localize(m, langOf(ctx.Context()))
		}
		return e
	}
}

// localize puts a problem's title, detail and errors into lang.
func localize(m *huma.ErrorModel, lang string) {
	if lang != "zh" {
		return
	}
	m.Title = statusTitle(m.Status, lang)
	m.Detail = inChinese(m.Detail)
	for _, d := range m.Errors {
		if d != nil {
			d.Message = inChinese(d.Message)
		}
	}
}

// statusTitle is a problem's title: its status in words.
func statusTitle(status int, lang string) string {
	if lang == "zh" {
		if t, ok := zhTitles[status]; ok {
			return t
		}
	}
	return http.StatusText(status)
}

var zhTitles = map[int]string{
	400: "请求有误", 401: "未登录", 403: "无权访问", 404: "未找到", 405: "不支持该方法", 406: "无法按要求的格式答复",
	408: "请求超时", 409: "冲突", 413: "请求过大", 415: "不支持的内容类型", 422: "无法处理的请求", 429: "请求过多",
	499: "请求已取消", 500: "内部错误", 503: "暂不可用",
}

// said pairs the English the framework and the API's own handlers write
// with its Chinese: a format's verbs match any text, given back in order.
var said = func() []saying {
	pairs := [][2]string{
		{"validation failed", "请求未通过校验"},
		{"request body is required", "缺少请求体"},
		{"request body is too large limit=%d bytes", "请求体超过上限 %s 字节"},
		{"request body read timeout", "读取请求体超时"},
		{"cannot read request body", "无法读取请求体"},
		{"unknown query parameter", "未知的查询参数"},
		{"required query parameter is missing", "缺少必需的查询参数"},
		{"required path parameter is missing", "缺少必需的路径参数"},
		{"required header parameter is missing", "缺少必需的请求头"},
		{"required cookie parameter is missing", "缺少必需的 Cookie"},
		{"expected at most one value, but received multiple values", "只能给一个值，却收到多个"},
		{"unexpected error occurred", "发生意外错误"},
		{"unable to marshal response", "无法按要求的格式答复"},
		{"invalid integer", "不是整数"},
		{"invalid boolean", "不是 true 或 false"},
		{"invalid float", "不是数字"},
		{"internal error; it was logged", "内部错误，已记入日志"},
		{"request cancelled", "请求已取消"},
		{"sign in: send Authorization: Bearer TOKEN", "请先登录：发送 Authorization: Bearer 令牌"},
		{"sign in again", "请重新登录"},
		{"sign in: send Authorization: Bearer TOKEN, or sign in at POST /api/v1/login", "请先登录：发送 Authorization: Bearer 令牌，或经 POST /api/v1/login 登录"},
		{"invalid or expired token", "令牌无效或已过期"},
		{"authenticate: invalid or expired token", "令牌无效或已过期"},
		{"authenticate: missing or wrong %s header: read it from GET /api/v1/session", "缺少 %s 请求头或其值不对：请从 GET /api/v1/session 读取"},
		{"metrics: send Authorization: Bearer TOKEN of a user who may read them", "读取监控指标须发送有权读取者的 Authorization: Bearer 令牌"},
		{"metrics: %s may not read them", "%s 无权读取监控指标"},
		{"too many failed sign-ins; try again in %d s", "登录失败次数过多，请 %s 秒后再试"},
		{"the database cannot be reached just now; try again shortly", "暂时无法连接数据库，请稍后再试"},
		{"the database's disk is full; nothing of this request was stored; try again once an operator has seen to it", "数据库磁盘已满，本次请求未保存任何内容；请待运维处理后重试"},
		{"the database's disk cannot be written (read-only); nothing of this request was stored; try again once an operator has seen to it", "数据库磁盘只读，本次请求未保存任何内容；请待运维处理后重试"},
		{"the database's disk failed (an I/O error); nothing of this request was stored; try again once an operator has seen to it", "数据库磁盘故障（I/O 错误），本次请求未保存任何内容；请待运维处理后重试"},
		{"Content-Type %q: send application/x-ndjson or application/json", "Content-Type %s：请发送 application/x-ndjson 或 application/json"},
		{"Content-Type %q: send application/yaml or text/csv", "Content-Type %s：请发送 application/yaml 或 text/csv"},
		{"body over %d bytes; the %d events before the cap were stored: send the rest in another request", "请求体超过 %s 字节；此前的 %s 个事件已保存，其余请另行发送"},
		{"the request's %s is not UTF-8", "请求的 %s 不是 UTF-8"},
		{"%s; the %d events before it were stored", "%s；此前的 %s 个事件已保存"},
		{"the request's %s holds a control character", "请求的 %s 含有控制字符"},
		// The framework's schema checks (huma's validation messages).
		{validation.MsgUnexpectedProperty, "不应有此字段"},
		{validation.MsgExpectedRFC3339DateTime, "应为 RFC 3339 时间"},
		{validation.MsgExpectedRFC3339Date, "应为 RFC 3339 日期"},
		{validation.MsgExpectedBoolean, "应为 true 或 false"},
		{validation.MsgExpectedNumber, "应为数字"},
		{validation.MsgExpectedInteger, "应为整数"},
		{validation.MsgExpectedString, "应为文本"},
		{validation.MsgExpectedArray, "应为数组"},
		{validation.MsgExpectedObject, "应为对象"},
		{validation.MsgExpectedOneOf, "应为 %s 之一"},
		{validation.MsgExpectedMinimumNumber, "应不小于 %s"},
		{validation.MsgExpectedExclusiveMinimumNumber, "应大于 %s"},
		{validation.MsgExpectedMaximumNumber, "应不大于 %s"},
		{validation.MsgExpectedExclusiveMaximumNumber, "应小于 %s"},
		{validation.MsgExpectedMinLength, "长度应不少于 %s"},
		{validation.MsgExpectedMaxLength, "长度应不超过 %s"},
		{validation.MsgExpectedMatchPattern, "应符合格式 %s"},
		{validation.MsgExpectedMinItems, "至少应有 %s 项"},
		{validation.MsgExpectedMaxItems, "至多应有 %s 项"},
		{validation.MsgExpectedRequiredProperty, "缺少必填字段 %s"},
		{validation.MsgExpectedDependentRequiredProperty, "有 %[2]s 时须有 %[1]s"},
		{validation.MsgExpectedArrayItemsUnique, "数组各项不应重复"},
	}
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	out := make([]saying, 0, len(pairs))
	for _, p := range pairs {
		parts := verb.Split(p[0], -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		out = append(out, saying{en: regexp.MustCompile("^" + strings.Join(parts, "(.*?)") + "$"), zh: p[1]})
	}
	return out
}()

// badChar is the character a JSON parser's complaint quotes.
var badChar = regexp.MustCompile(`'(?:[^'\\]|\\.)+'`)

type saying struct {
	en *regexp.Regexp
	zh string
}

// inChinese is an English message of the API in Chinese, when it is one
// said knows; a JSON body that cannot be read keeps the parser's words
// after a Chinese lead; anything else stays as it is.
func inChinese(msg string) string {
	for _, s := range said {
		if m := s.en.FindStringSubmatch(msg); m != nil {
			args := make([]any, len(m)-1)
			for i, a := range m[1:] {
				args[i] = a
			}
			return fmt.Sprintf(s.zh, args...)
		}
	}
	switch {
	case strings.HasPrefix(msg, "unexpected end of JSON"):
		return "JSON 不完整：在结尾处中断"
	case strings.HasPrefix(msg, "invalid character "):
		if c := badChar.FindString(msg); c != "" {
			return "JSON 中有无效字符 " + c
		}
		return "JSON 中有无效字符"
	case strings.HasPrefix(msg, "json: "):
		return "无法读取 JSON：" + strings.TrimPrefix(msg, "json: ")
	}
	return msg
}

// say is an answer's detail in lang: Frontline's own Chinese words when
// it has them, else the English said knows, else the English.
func say(a problem.Answer, lang string) string {
	switch {
	case lang != "zh":
		return a.Detail
	case a.Zh != "" && a.Status != http.StatusInternalServerError:
		return a.Zh
	}
	return inChinese(a.Detail)
}
