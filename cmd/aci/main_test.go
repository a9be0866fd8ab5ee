package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func runArgs(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	return runStdin(t, env, "", args...)
}

// runStdin is runArgs with stdin as the command's standard input.
func runStdin(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestUnknownCommandAndUsage(t *testing.T) {
	_, stderr, err := runArgs(t, nil, "frobnicate")
	var ec exitCode
	if !errors.As(err, &ec) || ec != 2 || !strings.Contains(stderr, "commande inconnue") {
		t.Fatalf("unknown command: %v %q", err, stderr)
	}
	if _, _, err := runArgs(t, nil); !errors.As(err, &ec) || ec != 2 {
		t.Fatalf("no command: %v", err)
	}
	out, _, err := runArgs(t, nil, "help")
	if err != nil || !strings.Contains(out, "funding") {
		t.Fatalf("help: %v %q", err, out)
	}
}

func TestFundingThroughTheBinaryEntryPoint(t *testing.T) {
	out, _, err := runArgs(t, nil, "funding", "--population", "45000", "--crisis", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Tier       int   `json:"tier"`
		TotalCents int64 `json:"total_cents"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Tier != 2 || v.TotalCents != 38250000 {
		t.Fatalf("funding: %+v %v\n%s", v, err, out)
	}
	_, stderr, err := runArgs(t, nil, "funding", "--population", "-3")
	var ec exitCode
	if !errors.As(err, &ec) || ec != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stderr == "" {
		t.Fatalf("bad population: %v %q", err, stderr)
	}
}

func TestServeNeedsADatabase(t *testing.T) {
	_, _, err := runArgs(t, map[string]string{"ADDR": "127.0.0.1:0"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("serve without DATABASE_URL: %v", err)
	}
	_, _, err = runArgs(t, map[string]string{"LOG_FORMAT": "xml"}, "migrate")
	if err == nil || !strings.Contains(err.Error(), "LOG_FORMAT") {
		t.Fatalf("bad LOG_FORMAT: %v", err)
	}
}
