package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"frontline/audit"
	"frontline/service"
)

// errChainBroken is the failure `audit verify` exits 1 with.
type errChainBroken struct{ p *audit.Problem }

func (e errChainBroken) Error() string { return "audit log: " + e.p.Error() }

func runAudit(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "log") {
		return a.usagef("audit：请用 verify [--head 序号:哈希] 或 log [--since 时间] [--actor 用户] [--action 动作]", "audit: verify [--head SEQ:HASH] or log [--since T] [--actor U] [--action A]")
	}
	verb := args[0]
	fs, dsn := a.flags("audit " + verb)
	head := fs.String("head", "", "audit verify: the audit chain's head printed earlier (SEQ:HASH); the log must still hold it")
	eventsHead := fs.String("events-head", "", "audit verify: the event chain's head printed earlier (SEQ:HASH); the event log must still hold it")
	since := fs.String("since", "", "audit log: entries from this time (RFC 3339 or a date)")
	actor := fs.String("actor", "", "audit log: only this actor's entries")
	action := fs.String("action", "", "audit log: only this action")
	limit := fs.Int("limit", 0, "audit log: at most this many entries")
	format := formatFlag(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	loc := a.policyZone(ctx, svc)
	if verb == "verify" {
		anchors := [2]*audit.Head{}
		for i, text := range []string{*eventsHead, *head} {
			if text == "" {
				continue
			}
			h, err := audit.ParseHead(text)
			if err != nil {
				return a.usagef("audit verify：%v", "audit verify: %v", err)
			}
			anchors[i] = &h
		}
		st, err := svc.VerifyLog(ctx, s, anchors[1], anchors[0])
		if err != nil {
			return err
		}
		// The event log first, the audit log last: its head ends the output.
		if p := st.Events.Problem; p != nil {
			fmt.Fprintf(a.stdout, a.t("事件日志已损坏：第 %d 个事件（%s）：%s\n", "event log BROKEN at event %d (%s): %s\n"), p.Seq, a.t(auditKinds[p.Kind], p.Kind), p.Detail)
		} else {
			fmt.Fprintf(a.stdout, a.t("事件日志完整：共 %d 个事件；事件链头 %s\n", "event log intact: %d events; event chain head %s\n"), st.Events.Entries, st.Events.Head)
		}
		if p := st.Audit.Problem; p != nil {
			fmt.Fprintf(a.stdout, a.t("已损坏：第 %d 条（%s）：%s\n", "BROKEN at entry %d (%s): %s\n"), p.Seq, a.t(auditKinds[p.Kind], p.Kind), p.Detail)
			return errChainBroken{p}
		}
		fmt.Fprintf(a.stdout, a.t("完整：共 %d 条；链头 %s\n", "intact: %d entries; chain head %s\n"), st.Audit.Entries, st.Audit.Head)
		if p := st.Events.Problem; p != nil {
			return errChainBroken{p}
		}
		return nil
	}
	var w *csv.Writer
	t := &table{}
	first, started := true, false
	// The heading once the query is known good: a bad --since prints nothing.
	start := func() {
		if started {
			return
		}
		started = true
		switch *format {
		case "csv":
			w = csv.NewWriter(a.stdout)
			w.Write([]string{"seq", "at", "actor", "action", "object", "details", "hash"})
		case "json":
			fmt.Fprintln(a.stdout, `{"entries": [`)
		default:
			t.row(strings.Split(a.t("序号|时间|操作者|操作|对象|详情", "SEQ|AT|ACTOR|ACTION|OBJECT|DETAILS"), "|")...)
		}
	}
	err = svc.AuditLog(ctx, s, service.AuditQuery{Since: *since, Actor: *actor, Action: *action, Limit: *limit}, func(e audit.Entry) error {
		start()
		at := e.At.In(loc).Format("2006-01-02 15:04:05")
		switch *format {
		case "csv":
			return w.Write(safeCells(fmt.Sprint(e.Seq), at, e.Actor, e.Action, e.Object, e.Details, e.Hash))
		case "json":
			sep := ","
			if first {
				sep, first = "", false
			}
			fmt.Fprintf(a.stdout, "%s{\"seq\": %d, \"at\": %q, \"actor\": %q, \"action\": %q, \"object\": %q, \"details\": %s, \"hash\": %q}\n",
				sep, e.Seq, e.At.In(loc).Format(time.RFC3339), e.Actor, e.Action, e.Object, e.Details, e.Hash)
		default:
			t.row(fmt.Sprint(e.Seq), at, e.Actor, e.Action, e.Object, e.Details)
		}
		return nil
	})
	if errOp(err) == "asof" {
		return usageErrorf("audit log: --since: %v", errText(err))
	} else if err != nil {
		return err
	}
	start()
	switch *format {
	case "csv":
		w.Flush()
		return w.Error()
	case "json":
		fmt.Fprintln(a.stdout, "]}")
		return nil
	}
	return t.write(a.stdout)
}

var auditKinds = map[string]string{"edited": "被修改", "deleted": "被删除", "inserted": "被插入", "reordered": "被调换顺序", "rewritten": "被重写"}
