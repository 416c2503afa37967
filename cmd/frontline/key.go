package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"frontline/evaluation"
	"frontline/fault"
)

// The pseudonymisation key lives outside the data: in $FRONTLINE_KEY_FILE
// (a file only its owner may read), or in $FRONTLINE_PSEUDONYM_KEY, as
// base64 of at least 16 bytes. A database made before, or a demo's,
// keeps one in its settings until `key move` takes it out.

// keySource reads the key from $FRONTLINE_PSEUDONYM_KEY or from file ("":
// none), when events are stored (a read needs no key); nil when neither
// is given.
func (a *app) keySource(file string) func(context.Context) (*evaluation.Pseudonymizer, error) {
	if k := a.getenv("FRONTLINE_PSEUDONYM_KEY"); k != "" {
		return func(context.Context) (*evaluation.Pseudonymizer, error) {
			key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k))
			if err != nil || len(key) < 16 {
				return nil, usageErrorf("FRONTLINE_PSEUDONYM_KEY must be base64 of at least 16 bytes")
			}
			return evaluation.NewPseudonymizer(key), nil
		}
	}
	if file == "" {
		return nil
	}
	return func(context.Context) (*evaluation.Pseudonymizer, error) {
		key, err := readKeyFile(file)
		if err != nil {
			return nil, usageErrorf("%s", a.t("密钥文件 ", "key file ")+err.Error())
		}
		return evaluation.NewPseudonymizer(key), nil
	}
}

// readKeyFile reads a key file: base64 of at least 16 bytes, readable by
// its owner alone.
func readKeyFile(file string) ([]byte, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fault.Sayf(fault.Invalid, "", "%[1]s 可被他人读取（权限 %04[2]o）：请执行 chmod 600 %[1]s", "%[1]s may be read by others (mode %04[2]o): chmod 600 %[1]s", file, perm)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 16 {
		return nil, fault.Sayf(fault.Invalid, "", "%s：应为至少 16 字节的 base64", "%s: want base64 of at least 16 bytes", file)
	}
	return key, nil
}

// writeKeyFile writes key to a new file only its owner may read, and
// reads it back.
func writeKeyFile(file string, key []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		os.Remove(file)
		return err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		os.Remove(file)
		return err
	}
	back, err := readKeyFile(file)
	if err != nil || string(back) != string(key) {
		os.Remove(file)
		return fault.Sayf(fault.Unavailable, "", "%s 读回的内容与写入的不同：%v", "%s does not read back as written: %v", file, err)
	}
	return nil
}

// warnKeyInDatabase says, once per command, that the database keeps its
// own key, and how to move it out.
func (a *app) warnKeyInDatabase() {
	if a.keyWarned {
		return
	}
	a.keyWarned = true
	fmt.Fprint(a.stderr, a.t("警告：假名化密钥保存在数据库中：有了数据库副本，就能还原居民的查询码和电话号码。请移出：frontline key move --out 文件，此后以 FRONTLINE_KEY_FILE=文件 运行\n",
		"warning: the pseudonymisation key is kept in the database, where anyone with a copy can recover residents' access codes and phone numbers; move it out: frontline key move --out FILE, then run with FRONTLINE_KEY_FILE=FILE\n"))
}

// runKey makes a key file, or moves the database's key into one.
func runKey(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || (args[0] != "new" && args[0] != "move") {
		return a.usagef("key：请用 new --out 文件，或 move --out 文件", "key: new --out FILE, or move --out FILE")
	}
	verb := args[0]
	fs, dsn := a.flags("key " + verb)
	out := fs.String("out", "", "the key file to write (never over an existing one); mode 0600")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return a.usagef("key %s：须给出 --out 文件", "key %s: --out FILE is required", verb)
	}
	if verb == "new" {
		key := make([]byte, 32)
		rand.Read(key)
		if err := writeKeyFile(*out, key); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, a.t("已写入新密钥 %s（仅所有者可读）；以 FRONTLINE_KEY_FILE=%[1]s 运行，并与数据分开保管\n",
			"wrote a new key to %s (readable by its owner only); run with FRONTLINE_KEY_FILE=%[1]s and keep it apart from the data\n"), *out)
		return nil
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	err = svc.MoveKey(ctx, s, func(key []byte) error { return writeKeyFile(*out, key) })
	if fault.KindOf(err) == fault.NotFound {
		return usageErrorf("%s", a.t("key move：数据库中没有假名化密钥（它已在外部保管）", "key move: the database keeps no pseudonymisation key (it is kept outside already)"))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, a.t("已把假名化密钥移到 %s，并从数据库中删除；此后以 FRONTLINE_KEY_FILE=%[1]s 运行，并与备份分开保管\n",
		"moved the pseudonymisation key to %s and removed it from the database; from now on run with FRONTLINE_KEY_FILE=%[1]s, and keep it apart from the backups\n"), *out)
	return nil
}
