package testkit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgServer is the throwaway PostgreSQL server of this test binary.
var pgServer struct {
	once    sync.Once
	err     error
	dir     string // temp dir holding data/, sock/ and server.log
	bin     string // directory of initdb, pg_ctl, postgres
	port    int
	asUser  *user.User // the postgres user when we run as root
	counter atomic.Int64
}

// PostgresDSN returns the connection URL of a fresh, empty database on a throwaway PostgreSQL
// server that is started once per test binary. The database is dropped when tb's test ends.
// When no PostgreSQL binaries are found, the test is skipped with a message — unless the
// environment has VORONKA_REQUIRE_POSTGRES=1 (CI sets it), in which case the test fails.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	pgServer.once.Do(startPostgres)
	if pgServer.err != nil {
		if pgServer.bin == "" && os.Getenv("VORONKA_REQUIRE_POSTGRES") != "1" {
			tb.Skipf("PostgreSQL is not installed (%v); set VORONKA_REQUIRE_POSTGRES=1 to make this a failure", pgServer.err)
		}
		tb.Fatalf("throwaway PostgreSQL: %v", pgServer.err)
	}
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), pgServer.counter.Add(1))
	ctx := context.Background()
	if err := adminExec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if err := adminExec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pgServer.port, name)
}

// Main runs the package's tests and then stops the throwaway PostgreSQL server, if one was started.
// Use it as: func TestMain(m *testing.M) { testkit.Main(m) }
//
// A test binary killed with SIGKILL cannot stop its server; the server's directory is under the
// system temp dir (voronka-pg-*) and `pg_ctl -D DIR/data stop` ends it.
func Main(m *testing.M) {
	code := m.Run()
	stopPostgres()
	os.Exit(code)
}

func adminExec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pgServer.port))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// findPostgresBin returns the directory holding initdb, pg_ctl and postgres.
func findPostgresBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	candidates := []string{"/usr/local/bin"}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return pgMajor(versions[i]) > pgMajor(versions[j]) })
	candidates = append(candidates, versions...)
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("initdb and pg_ctl are neither on PATH nor in /usr/local/bin or /usr/lib/postgresql/*/bin")
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

func startPostgres() {
	bin, err := findPostgresBin()
	if err != nil {
		pgServer.err = err
		return
	}
	pgServer.bin = bin
	if os.Geteuid() == 0 {
		if pgServer.asUser, err = user.Lookup("postgres"); err != nil {
			pgServer.err = fmt.Errorf("running as root, and there is no postgres user to run the server as: %w", err)
			return
		}
	}
	if pgServer.dir, err = os.MkdirTemp("", "voronka-pg-*"); err != nil {
		pgServer.err = err
		return
	}
	data, sock := filepath.Join(pgServer.dir, "data"), filepath.Join(pgServer.dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		pgServer.err = err
		return
	}
	if err := chownAll(pgServer.dir); err != nil {
		pgServer.err = err
		return
	}
	if out, err := runPG("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		pgServer.err = fmt.Errorf("initdb: %v\n%s", err, out)
		return
	}
	logFile := filepath.Join(pgServer.dir, "server.log")
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			pgServer.err = err
			return
		}
		// Durability off (a throwaway server); the buffers and WAL size of a server tuned for
		// a production load rather than initdb's 128 MB and 1 GB, so that the benchmarks
		// (docs/benchmarks.md) measure Voronka and not checkpoints every few seconds.
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"+
			" -c shared_buffers=512MB -c max_wal_size=4GB", port, sock)
		out, err := runPG("pg_ctl", "-D", data, "-l", logFile, "-w", "-t", "60", "-o", opts, "start")
		if err == nil {
			pgServer.port = port
			pgServer.err = nil
			return
		}
		log, _ := os.ReadFile(logFile)
		pgServer.err = fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

func stopPostgres() {
	if pgServer.port == 0 {
		return
	}
	_, _ = runPG("pg_ctl", "-D", filepath.Join(pgServer.dir, "data"), "-m", "immediate", "-w", "stop")
	_ = os.RemoveAll(pgServer.dir)
}

// runPG runs a PostgreSQL binary, as the postgres user when we are root (initdb refuses root).
func runPG(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(pgServer.bin, name), args...)
	if pgServer.asUser != nil {
		cmd = exec.Command("runuser", append([]string{"-u", pgServer.asUser.Username, "--", filepath.Join(pgServer.bin, name)}, args...)...)
	}
	cmd.Dir = pgServer.dir
	return cmd.CombinedOutput()
}

// chownAll gives dir and everything under it to the postgres user when we run as root.
func chownAll(dir string) error {
	if pgServer.asUser == nil {
		return nil
	}
	uid, _ := strconv.Atoi(pgServer.asUser.Uid)
	gid, _ := strconv.Atoi(pgServer.asUser.Gid)
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(path, uid, gid)
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
