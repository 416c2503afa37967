package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"time"

	"frontline/fault"
	"frontline/rbac"
	"frontline/service"
)

// runUsers manages users and their credentials. A password or token is
// printed once, on stdout, and never stored: only its hash is.
func runUsers(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return a.usagef("users：请用 add、token、revoke、password、disable、enable 或 list", "users: add, token, revoke, password, disable, enable or list")
	}
	verb, args := args[0], args[1:]
	fs, dsn := a.flags("users " + verb)
	role := fs.String("role", "", "users add: admin, org_assessor, discipline_inspector, street_head, dept_head or dispatch")
	unit := fs.String("unit", "", "users add: the street or department a head leads")
	days := fs.Int("days", 90, "users add (dispatch) and users token: days until the token expires")
	tokenID := fs.String("token", "", "users revoke: only this token id (default: every active token of the user)")
	keepTokens := fs.Bool("keep-tokens", false, "users password: leave the user's API tokens valid (by default a new password revokes them)")
	format := formatFlag(fs)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if *days < 1 || *days > 3650 {
		return a.usagef("users：--days 须为 1 到 3650", "users: --days must be 1 to 3650")
	}
	switch {
	case verb == "list" && len(pos) != 0:
		return a.usagef("users list：多余的参数 %q", "users list: unexpected argument %q", pos[0])
	case verb != "list" && len(pos) != 1:
		return a.usagef("users %s：请给出一个用户", "users %s: name one user", verb)
	}
	w, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer w.Close()
	if verb == "list" {
		return a.listUsers(ctx, w, s, *format)
	}
	name := pos[0]
	var cred service.Credential
	switch verb {
	case "add":
		cred, err = w.AddUser(ctx, s, rbac.User{Name: name, Role: rbac.Role(*role), Unit: *unit}, *days)
	case "token":
		cred, err = w.IssueToken(ctx, s, name, *days)
	case "password":
		cred, err = w.NewPassword(ctx, s, name, *keepTokens)
	case "revoke":
		n, err := w.RevokeTokens(ctx, s, name, *tokenID)
		if err == nil {
			fmt.Fprintf(a.stderr, a.t("已吊销 %[2]s 的 %[1]d 个令牌\n", "revoked %d tokens of %s\n"), n, name)
		}
		return err
	case "disable", "enable":
		if err := w.SetDisabled(ctx, s, name, verb == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, a.t("%s：已%s\n", "%s: %sd\n"), name, a.t(map[string]string{"disable": "停用", "enable": "启用"}[verb], verb))
		return nil
	default:
		return a.usagef("users：没有子命令 %q：可用 add、token、revoke、password、disable、enable、list", "users: unknown verb %q: add, token, revoke, password, disable, enable or list", verb)
	}
	if err != nil {
		return userFlags(err)
	}
	// The secret goes to stdout once; it is stored only as a hash.
	if cred.Token != "" {
		fmt.Fprintf(a.stderr, a.t("%[2]s 的 API 令牌 %[1]s，有效期至 %[3]s（仅显示一次，只保存其哈希）：\n",
			"API token %s of %s, valid until %s (shown once; it is stored only as a hash):\n"), cred.TokenID, name, cred.Expires.In(a.policyZone(ctx, w)).Format("2006-01-02 15:04"))
		fmt.Fprintln(a.stdout, cred.Token)
		return nil
	}
	fmt.Fprintf(a.stderr, a.t("%s 的密码（仅显示一次，只保存其哈希）：\n", "password of %s (shown once; it is stored only as a hash):\n"), name)
	fmt.Fprintln(a.stdout, cred.Password)
	return nil
}

func (a *app) listUsers(ctx context.Context, svc *service.Service, s rbac.Principal, format string) error {
	users, err := svc.Users(ctx, s)
	if err != nil {
		return err
	}
	now := a.now()
	type row struct {
		Name, Role, Unit string
		Disabled         bool
		Password         bool
		ActiveTokens     []string
		Created          time.Time
	}
	var rows []row
	for _, u := range users {
		r := row{Name: u.Name, Role: string(u.Role), Unit: u.Unit, Disabled: u.Disabled, Password: u.PasswordHash != "", Created: u.CreatedAt}
		for _, t := range u.Tokens {
			if t.Active(now) {
				r.ActiveTokens = append(r.ActiveTokens, t.ID+"→"+t.ExpiresAt.Format("2006-01-02"))
			}
		}
		rows = append(rows, r)
	}
	switch format {
	case "json":
		out := []map[string]any{}
		for _, r := range rows {
			out = append(out, map[string]any{"name": r.Name, "role": r.Role, "unit": r.Unit, "disabled": r.Disabled,
				"password": r.Password, "active_tokens": len(r.ActiveTokens), "created_at": r.Created})
		}
		return writeJSON(a, map[string]any{"users": out})
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"name", "role", "unit", "disabled", "password", "active_tokens"})
		for _, r := range rows {
			w.Write(safeCells(r.Name, r.Role, r.Unit, fmt.Sprint(r.Disabled), fmt.Sprint(r.Password), strings.Join(r.ActiveTokens, " ")))
		}
		w.Flush()
		return w.Error()
	}
	t := &table{}
	t.row(strings.Split(a.t("用户|角色|单位|状态|密码|有效令牌（编号→到期）", "USER|ROLE|UNIT|STATE|PASSWORD|ACTIVE TOKENS (ID→EXPIRES)"), "|")...)
	for _, r := range rows {
		state := a.t("启用", "active")
		if r.Disabled {
			state = a.t("停用", "disabled")
		}
		pw := a.t("已设", "set")
		if !r.Password {
			pw = "—"
		}
		t.row(r.Name, a.label(r.Role), dash(r.Unit), state, pw, dash(strings.Join(r.ActiveTokens, " ")))
	}
	return t.write(a.stdout)
}

// userFlags words a user refused for its unit in terms of the flag that
// gave it.
func userFlags(err error) error {
	var e *fault.Error
	if errors.As(err, &e) && e.Kind == fault.Invalid && e.Op == "user" {
		return &fault.Error{Op: e.Op, Kind: e.Kind, Err: errors.New(unitWords.Replace(e.Err.Error()))}
	}
	return err
}

var unitWords = strings.NewReplacer("takes no unit", "takes no --unit", "needs a unit", "needs --unit")
