package chtest

import "context"

// Kill ends ClickHouse with SIGKILL, as a crash would, and waits for it;
// Restart brings it back.
func (s *Server) Kill() {
	if s.proc != nil {
		s.proc.Kill()
	}
}

// Restart kills ClickHouse if it still runs and starts it again on the
// same ports and data directory, returning once it answers. Not safe to
// call concurrently with other methods of s.
func (s *Server) Restart(ctx context.Context) error {
	s.Kill()
	eng, err := EnsureEngine(ctx, s.logf)
	if err != nil {
		return err
	}
	return s.launch(ctx, eng)
}
