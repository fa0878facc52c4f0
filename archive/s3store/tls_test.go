package s3store_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
)

// Over HTTPS the store signs and verifies as over HTTP, and a certificate
// it cannot trust fails at once: a TLS problem does not heal by retrying.
func TestTLS(t *testing.T) {
	server(t)
	certFile, keyFile, pool := selfSigned(t)
	gw, err := s3test.Start(s3test.Config{CertFile: certFile, KeyFile: keyFile})
	require.NoError(t, err)
	t.Cleanup(func() { gw.Close() })
	bucket := gw.NewBucket(t)

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	cfg := config(gw, bucket)
	cfg.Insecure = false
	cfg.Transport = tr
	s := newStore(t, cfg)
	data := payload(300<<10, 2)
	got := write(t, s, seg(0), data)
	require.Equal(t, data, readAll(t, s, got))
	l, err := s.List(t.Context(), "radio", "source", got.Hour())
	require.NoError(t, err)
	require.Len(t, l.Segments, 1)

	untrusted := config(gw, bucket)
	untrusted.Insecure = false
	untrusted.RetryTimeout = time.Hour
	_, err = s3store.New(t.Context(), untrusted)
	var se *s3store.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, 1, se.Attempts)
	var verr *tls.CertificateVerificationError
	require.ErrorAs(t, err, &verr)
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "airkeep test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
