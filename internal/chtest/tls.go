package chtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSProxy terminates TLS in front of the server's native TCP port.
// clickhouse-local cannot open a secure listener (SYSTEM START LISTEN
// supports only TCP and HTTP there), so tests of TLS to ClickHouse go
// through this proxy: the client's TLS stack and certificate checks are
// real, the bytes behind it reach ClickHouse unchanged.
type TLSProxy struct {
	Addr   string // host:port to dial with TLS
	CAFile string // PEM CA that signed the proxy certificate
	ln     net.Listener
}

// StartTLSProxy listens on a free loopback port; dir receives ca.pem.
func (s *Server) StartTLSProxy(dir string) (*TLSProxy, error) {
	cert, caPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	p := &TLSProxy{CAFile: filepath.Join(dir, "ca.pem")}
	if err := os.WriteFile(p.CAFile, caPEM, 0o600); err != nil {
		return nil, err
	}
	p.ln, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	p.Addr = p.ln.Addr().String()
	go p.serve(s.TCPAddr())
	return p, nil
}

func (p *TLSProxy) serve(backend string) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			b, err := net.Dial("tcp", backend)
			if err != nil {
				return
			}
			defer b.Close()
			go func() { _, _ = io.Copy(b, c); b.(*net.TCPConn).CloseWrite() }()
			_, _ = io.Copy(c, b)
		}()
	}
}

// Close stops accepting; open connections end when their peers close.
func (p *TLSProxy) Close() error { return p.ln.Close() }

// selfSigned makes a throwaway CA and a server certificate for 127.0.0.1 /
// localhost signed by it, so clients verify for real against the CA.
func selfSigned() (tls.Certificate, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chtest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caTmpl, &srvKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
