package proto

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	chproto "github.com/ClickHouse/ch-go/proto"
)

// Inputs of the reference vectors (computed independently with sha256sum
// over the concatenation the server hashes in TCPHandler::receiveQuery).
func vectorQuery() Query {
	return Query{
		ClusterSalt:   "01234567890123456789012345678901",
		ClusterSecret: "topsecret",
		Body:          "SELECT 42",
		ID:            "test-query-id",
		InitialUser:   "alice",
	}
}

const vectorNonce uint64 = 81985529216486895 // wire bytes ef cd ab 89 67 45 23 01

func TestInterserverHashV1(t *testing.T) {
	q := vectorQuery()
	if got := hex.EncodeToString([]byte(q.interserverHash())); got != "9da969adc18fb12f2a137d112599fc19afc0ba0d96d2a00b50e20a806a09b6b4" {
		t.Fatalf("V1 hash = %s", got)
	}
}

func TestInterserverHashV2(t *testing.T) {
	q := vectorQuery()
	nonce := vectorNonce
	q.ClusterNonce = &nonce
	got := hex.EncodeToString([]byte(q.interserverHash()))
	if got != "29e64850297404fdf406be3e14c8256a3bb9af9e3ec3ec51d3a73db40ae2b594" {
		t.Fatalf("V2 hash = %s", got)
	}
	// Revision 54462 has no external roles field: the hash must not be the
	// one with the (empty) roles appended, as revision >= 54472 would hash.
	roles := sha256.Sum256([]byte(q.ClusterSalt + "81985529216486895" + q.ClusterSecret + q.Body + q.ID + q.InitialUser + "\x00"))
	if hex.EncodeToString(roles[:]) != "bd1c3bf3587360c1811b6899d58b1355731d12f2841afaa64c47a351567bb50e" {
		t.Fatal("external-roles vector does not match its definition")
	}
	if got == hex.EncodeToString(roles[:]) {
		t.Fatal("V2 hash includes an external roles field")
	}
}

func TestInterserverQueryKind(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secret  string
		initial bool
		want    byte
	}{
		{"password login", "", false, ClientQueryInitial},
		{"cluster secret", "s", false, ClientQuerySecondary},
		{"cluster secret, InitialQuery", "s", true, ClientQueryInitial},
	} {
		q := Query{ClusterSecret: tc.secret, InitialQuery: tc.initial, InitialUser: "alice"}
		var b chproto.Buffer
		if err := q.encodeClientInfo(&b, DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2); err != nil {
			t.Fatal(err)
		}
		if b.Buf[0] != tc.want {
			t.Errorf("%s: query_kind = %d, want %d", tc.name, b.Buf[0], tc.want)
		}
	}
}

// serverHello is the hello ClickHouse (TCPHandler::sendHello) writes to a
// client that declared clientRevision.
type passwordRule struct{ Pattern, Message string }

func serverHello(serverRevision, clientRevision uint64, rules []passwordRule, nonce uint64) *chproto.Reader {
	var b chproto.Buffer
	b.PutString("ClickHouse")
	b.PutUVarInt(26)
	b.PutUVarInt(7)
	b.PutUVarInt(serverRevision)
	b.PutString("UTC")
	b.PutString("ch-1")
	b.PutUVarInt(2)
	revision := min(serverRevision, clientRevision)
	if revision >= DBMS_MIN_PROTOCOL_VERSION_WITH_PASSWORD_COMPLEXITY_RULES {
		b.PutUVarInt(uint64(len(rules)))
		for _, r := range rules {
			b.PutString(r.Pattern)
			b.PutString(r.Message)
		}
	}
	if revision >= DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2 {
		b.PutUInt64(nonce)
	}
	b.PutString("trailing") // the next packet must be left unread
	return chproto.NewReader(bytes.NewReader(b.Buf))
}

func TestServerHelloV2(t *testing.T) {
	rules := []passwordRule{{".{12}", "be at least 12 characters long"}, {"[0-9]", "contain a digit"}}
	r := serverHello(54492, DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2, rules, vectorNonce)
	var srv ServerHandshake
	if err := srv.DecodeRevision(r, DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2); err != nil {
		t.Fatal(err)
	}
	if srv.Nonce == nil || *srv.Nonce != vectorNonce {
		t.Fatalf("nonce = %v", srv.Nonce)
	}
	if next, err := r.Str(); err != nil || next != "trailing" {
		t.Fatalf("hello not read to its end: %q %v", next, err)
	}
}

// An older server (revision < 54462) sends neither field: no nonce, V1.
func TestServerHelloOldServer(t *testing.T) {
	for _, serverRevision := range []uint64{54460, 54461} {
		r := serverHello(serverRevision, DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2, nil, 0)
		var srv ServerHandshake
		if err := srv.DecodeRevision(r, DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2); err != nil {
			t.Fatal(err)
		}
		if srv.Nonce != nil {
			t.Fatalf("server %d: nonce %d", serverRevision, *srv.Nonce)
		}
		if next, err := r.Str(); err != nil || next != "trailing" {
			t.Fatalf("server %d: hello misread: %q %v", serverRevision, next, err)
		}
	}
}

// Decode (password mode, revision 54460) reads what it always read.
func TestServerHelloPasswordMode(t *testing.T) {
	r := serverHello(54492, DBMS_TCP_PROTOCOL_VERSION, nil, 0)
	var srv ServerHandshake
	if err := srv.Decode(r); err != nil {
		t.Fatal(err)
	}
	if srv.Nonce != nil || srv.Revision != 54492 || srv.Version.Patch != 2 {
		t.Fatalf("decoded %+v", srv)
	}
	if next, err := r.Str(); err != nil || next != "trailing" {
		t.Fatalf("hello misread: %q %v", next, err)
	}
}

func TestServerHelloTooManyRules(t *testing.T) {
	rules := make([]passwordRule, maxPasswordComplexityRules+1)
	r := serverHello(54492, DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2, rules, 0)
	var srv ServerHandshake
	if err := srv.DecodeRevision(r, DBMS_MIN_REVISION_WITH_INTERSERVER_SECRET_V2); err == nil {
		t.Fatal("accepted more rules than the limit")
	}
}
