package server

import (
	"context"
	"sync"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// Job is one background worker: Run is called at start and then every
// Every until the context is done; an error is logged and the job goes on.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Jobs is the list of the product's background workers (e-mail outbox,
// scheduled transitions, reminders). Each takes its work from tables with
// FOR UPDATE SKIP LOCKED or an idempotency key (see the store), so any
// number of instances may run them (docs/rules.md §39). cmd starts them
// (StartJobs).
func (s *Server) Jobs() []Job {
	return []Job{
		{Name: "notifier", Every: 5 * time.Second, Run: s.runNotifier},
		{Name: "outbox", Every: 15 * time.Second, Run: s.runOutbox},
		{Name: "reminders+digests", Every: 10 * time.Minute, Run: s.runDaily},
		{Name: "year reminders", Every: 10 * time.Minute, Run: s.runYearReminders},
		// Projet de santé réputé validé (CSP L1434-12).
		{Name: "réputé validé", Every: time.Hour, Run: s.runSystemTransitions},
		// Contracts at the end of their 5 years become échus (echoir).
		{Name: "contract expiry", Every: 24 * time.Hour, Run: s.runContractExpiry},
		// Expired sessions (sessions.go).
		{Name: "sessions", Every: 10 * time.Minute, Run: s.runSessionCleanup},
		// Terminations at their effective date: later payments cancelled,
		// the trop-perçu becomes a recovery (docs/rules.md §30).
		{Name: "terminations", Every: time.Hour, Run: s.runTerminations},
		// Each anniversary opens a contract year and its advances (docs/rules.md §8, §28).
		{Name: "anniversary advances", Every: time.Hour, Run: s.runAnniversaryAdvances},
	}
}

// StartJobs starts the jobs; the returned function cancels them and waits
// until they have stopped.
func (s *Server) StartJobs(ctx context.Context, jobs []Job) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.every(ctx, j)
		}()
	}
	return func() { cancel(); wg.Wait() }
}

// every runs j now and then every j.Every until ctx is done; errors are logged.
func (s *Server) every(ctx context.Context, j Job) {
	t := time.NewTicker(j.Every)
	defer t.Stop()
	for {
		if err := j.Run(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("background job", "job", j.Name, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runSystemTransitions applies the scheduler's transitions; the store takes
// each dossier FOR UPDATE SKIP LOCKED.
func (s *Server) runSystemTransitions(ctx context.Context) error {
	now := s.now()
	n, err := s.store.ApplySystemTransitions(ctx, domain.DateOf(now), now)
	if n > 0 {
		s.log.Info("réputé validé", "dossiers", n)
	}
	return err
}

// runContractExpiry makes échu every contract at the end of its 5 years,
// each in its own transaction with FOR UPDATE SKIP LOCKED
// (store.ExpireContracts).
func (s *Server) runContractExpiry(ctx context.Context) error {
	now := s.now()
	n, err := s.store.ExpireContracts(ctx, domain.DateOf(now), now)
	if n > 0 {
		s.log.Info("contract expiry job", "echus", n)
	}
	return err
}

// runTerminations applies the terminations whose effective date is reached,
// each contract in its own transaction with FOR UPDATE SKIP LOCKED
// (store.ApplyDueTerminations).
func (s *Server) runTerminations(ctx context.Context) error {
	now := s.now()
	n, err := s.store.ApplyDueTerminations(ctx, domain.DateOf(now), now)
	if n > 0 {
		s.log.Info("terminations", "contracts", n)
	}
	return err
}

// runAnniversaryAdvances creates the advances of every contract year opened
// by an anniversary on or before today, once (store.CreateAnniversaryAdvances:
// FOR UPDATE SKIP LOCKED, payments_once).
func (s *Server) runAnniversaryAdvances(ctx context.Context) error {
	now := s.now()
	n, err := s.store.CreateAnniversaryAdvances(ctx, domain.DateOf(now), now)
	if n > 0 {
		s.log.Info("anniversary advances job", "payments", n)
	}
	return err
}
