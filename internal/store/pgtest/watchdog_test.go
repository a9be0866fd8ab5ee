package pgtest

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// TestWatchdogChild is the body run by TestWatchdog in a child test process:
// it starts a cluster and exits without Main/Shutdown, as a package without
// TestMain (or a panic) would.
func TestWatchdogChild(t *testing.T) {
	if os.Getenv("PGTEST_WATCHDOG_CHILD") != "1" {
		return // only as TestWatchdog's child
	}
	New(t)
	e, _ := get()
	os.Stdout.WriteString("TMPDIR=" + e.tmpDir + "\n")
	os.Exit(0)
}

// TestWatchdog: a test process that exits without Main leaves no cluster and
// no temp dir behind.
func TestWatchdog(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skip("no throwaway cluster with " + EnvURL)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchdogChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PGTEST_WATCHDOG_CHILD=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, out.Bytes())
	}
	m := regexp.MustCompile(`TMPDIR=(\S+)`).FindSubmatch(out.Bytes())
	if m == nil {
		t.Fatalf("child printed no TMPDIR:\n%s", out.Bytes())
	}
	dir := string(m[1])
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still there 20 s after the test process exited", dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
