package oauth_test

import (
	"testing"

	"github.com/chmcp/chmcp/internal/oauth"
	"github.com/chmcp/chmcp/internal/oauth/storetest"
)

func TestMemoryStore(t *testing.T) { storetest.Run(t, oauth.NewMemoryStore()) }
