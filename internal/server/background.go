package server

import (
	"context"
	"sync"
)

// backgroundJobs are the long-running workers of the product (e-mail
// outbox, scheduled transitions, reminders). Each runs until ctx is done and
// takes its work from tables with FOR UPDATE SKIP LOCKED, so any number of
// instances may run them.
var backgroundJobs []func(ctx context.Context, s *Server)

// StartBackground starts the workers; the returned function cancels them
// and waits until they have stopped.
func (s *Server) StartBackground(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, job := range backgroundJobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job(ctx, s)
		}()
	}
	return func() { cancel(); wg.Wait() }
}
