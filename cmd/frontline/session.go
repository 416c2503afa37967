package main

import (
	"context"
	"fmt"

	"frontline/fault"
	"frontline/formats"
	"frontline/rbac"
	"frontline/service"
	"frontline/store"
)

// open opens the database dsn names and the use cases over it, for the
// principal the command runs for (see session). Close the service when
// done.
func (a *app) open(ctx context.Context, dsn string) (*service.Service, rbac.Principal, error) {
	svc, err := a.openService(ctx, dsn)
	if err != nil {
		return nil, rbac.Principal{}, err
	}
	p, err := a.session(ctx, svc)
	if err != nil {
		svc.Close()
		return nil, p, err
	}
	return svc, p, nil
}

// openService opens the database dsn names and the use cases over it.
func (a *app) openService(ctx context.Context, dsn string) (*service.Service, error) {
	db, err := store.Open(ctx, dsn, store.WithPolicyFormat(formats.ParsePolicies))
	if err != nil {
		return nil, err
	}
	if db.ReadOnly() {
		fmt.Fprintf(a.stderr, a.t("frontline：%s 所在存储不可写入：仅以只读方式打开，任何修改都会失败\n",
			"frontline: %s is on storage that cannot be written: it is open for reading only, and any change will fail\n"), dsn)
	}
	if n, err := db.Underived(ctx); err == nil && n > 0 {
		fmt.Fprintf(a.stderr, a.t("警告：有 %d 个案件在上次中断的导入中存入了事件，其派生状态（时限、得分）尚未更新；数据库下次能以可写方式打开时自动更新\n",
			"warning: %d cases had events stored by an ingest that stopped, and their derived state (deadlines, scores) is not yet updated; it will be when the database can next be opened for writing\n"), n)
	}
	svc := &service.Service{DB: db, Now: a.now, PseudoKey: a.keySource(a.getenv("FRONTLINE_KEY_FILE")), KeyInDatabase: a.warnKeyInDatabase}
	// A database that keeps its own key says so on every command, until
	// the key is moved out.
	if kept, err := svc.KeyKept(ctx); err == nil && kept {
		a.warnKeyInDatabase()
	}
	return svc, nil
}

// session is the principal a command runs for: a user named with --user
// (or $FRONTLINE_USER): their role and domain decide what it may show and
// do, through rbac's one Authorize. Without a user it runs for the local
// operator, who holds the database itself and so everything in it; audit
// entries then name "local".
func (a *app) session(ctx context.Context, svc *service.Service) (rbac.Principal, error) {
	name := ""
	if a.user != nil {
		name = *a.user
	}
	if name == "" {
		return rbac.Local(), nil
	}
	authz, err := svc.Authorizer(ctx)
	if err != nil {
		return rbac.Local(), err
	}
	if u, ok := authz.User(name); !ok || u.Disabled {
		return rbac.Local(), fault.Sayf(fault.Forbidden, "session", "用户 %q 不存在或已停用", "user %q is unknown or disabled", name)
	}
	return authz.Principal(name), nil
}
