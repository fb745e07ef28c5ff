package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// setupTLS fills cfg.TLS from --tls or --tls-cert/--tls-key and returns the
// line that tells the tester which certificate to trust ("" for plain HTTP).
func setupTLS(cfg *mockserver.Config, opts options) (string, error) {
	switch {
	case opts.tlsCert != "" || opts.tlsKey != "":
		if opts.tlsCert == "" || opts.tlsKey == "" {
			return "", errors.New("--tls-cert and --tls-key go together")
		}
		if opts.tls {
			return "", errors.New("use either --tls (generated certificate) or --tls-cert/--tls-key")
		}
		cert, err := tls.LoadX509KeyPair(opts.tlsCert, opts.tlsKey)
		if err != nil {
			return "", fmt.Errorf("loading --tls-cert/--tls-key: %w", err)
		}
		if cert.Leaf == nil {
			if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
				return "", fmt.Errorf("reading --tls-cert: %w", err)
			}
		}
		cfg.TLS = mockserver.TLSConfig(cert)
		return fmt.Sprintf("TLS certificate: %s (SHA-256 %s)", opts.tlsCert, mockserver.CertFingerprint(cert.Leaf.Raw)), nil
	case opts.tls:
		cert, certPEM, err := mockserver.GenerateSelfSignedCert(time.Now())
		if err != nil {
			return "", fmt.Errorf("--tls: %w", err)
		}
		path := opts.tlsCertOut
		if path == "" {
			path = filepath.Join(os.TempDir(), "linkdesk-mockserver", "cert.pem")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", fmt.Errorf("--tls: %w", err)
		}
		// Only the certificate is written (it is public); the key stays in memory.
		if err := os.WriteFile(path, certPEM, 0o644); err != nil {
			return "", fmt.Errorf("--tls: writing the certificate: %w", err)
		}
		cfg.TLS = mockserver.TLSConfig(cert)
		return fmt.Sprintf("TLS certificate: %s (SHA-256 %s)", path, mockserver.CertFingerprint(cert.Leaf.Raw)), nil
	}
	return "", nil
}
