package main

import (
	"context"
	"io"
	"time"

	"github.com/portail-aci/aci/internal/cli"
	"github.com/portail-aci/aci/internal/domain"
)

// today is the calendar date in Europe/Paris, read once at the edge.
func today() domain.Date { return domain.DateOf(time.Now()) }

func cmdFunding(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if code := cli.Funding(args, stdout, stderr, today()); code != 0 {
		return exitCode(code)
	}
	return nil
}

func cmdSchedule(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if code := cli.Schedule(args, stdout, stderr, today()); code != 0 {
		return exitCode(code)
	}
	return nil
}
