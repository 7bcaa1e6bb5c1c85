// Command mockidp runs a mock OpenID Connect provider
// (github.com/oauth2-proxy/mockoidc) on the loopback interface, for
// exercising chmcp's OAuth flow end to end without a real identity provider.
// Every login is answered at once, without a page, as one user with a
// verified email.
//
//	go run ./internal/devtools/mockidp -env-file /tmp/idp.env
//
// Once it listens it writes MOCKIDP_ISSUER, MOCKIDP_CLIENT_ID and
// MOCKIDP_CLIENT_SECRET to -env-file (atomically: the file appears complete;
// without -env-file, to stdout), then serves until SIGINT or SIGTERM. Register
// <chmcp issuer>/oauth/callback as the redirect URI; mockoidc accepts any.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/oauth2-proxy/mockoidc"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mockidp: ")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only; port 0 picks a free one)")
	envFile := flag.String("env-file", "", "write MOCKIDP_ISSUER, MOCKIDP_CLIENT_ID and MOCKIDP_CLIENT_SECRET here once ready")
	email := flag.String("email", "alice@example.com", "the email of the user every login returns (email_verified true)")
	subject := flag.String("subject", "alice", "the sub claim of that user")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments: %v", flag.Args())
	}
	if err := run(*addr, *envFile, *email, *subject); err != nil {
		log.Fatal(err)
	}
}

func run(addr, envFile, email, subject string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: only loopback addresses are allowed", addr)
	}
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return err
	}
	user := &mockoidc.MockUser{
		Subject:           subject,
		Email:             email,
		EmailVerified:     true,
		PreferredUsername: subject,
	}
	// mockoidc pops a queued user at each authorization request and falls
	// back to its default user (jane.doe@example.com) when the queue is
	// empty: queue ours right before every one. Its session store is a plain
	// map, so requests are also served one at a time.
	var mu sync.Mutex
	if err := m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if r.URL.Path == mockoidc.AuthorizationEndpoint {
				m.UserQueue.Lock()
				m.UserQueue.Queue = []mockoidc.User{user}
				m.UserQueue.Unlock()
			}
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			log.Printf("%s %s -> %d", r.Method, r.URL.Path, rec.status)
		})
	}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := m.Start(ln, nil); err != nil {
		return err
	}
	cfg := m.Config()
	env := fmt.Sprintf("MOCKIDP_ISSUER=%s\nMOCKIDP_CLIENT_ID=%s\nMOCKIDP_CLIENT_SECRET=%s\n", cfg.Issuer, cfg.ClientID, cfg.ClientSecret)
	if envFile == "" {
		fmt.Print(env)
	} else if err := writeAtomic(envFile, env); err != nil {
		_ = m.Shutdown()
		return err
	}
	log.Printf("serving %s (user %s, sub %s) until SIGINT or SIGTERM", cfg.Issuer, email, subject)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Server.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Print("stopped")
	return nil
}

// writeAtomic writes a file that readers see complete or not at all.
func writeAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mockidp-env-*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
