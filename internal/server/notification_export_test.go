package server

import "context"

// RunOutbox runs one pass of the outbox worker (tests).
func RunOutbox(ctx context.Context, s *Server) error { return s.runOutbox(ctx) }
