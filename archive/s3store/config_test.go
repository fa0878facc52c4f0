package s3store_test

import (
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
)

// Bad configurations fail New before any request, with an
// *archive.ConfigError naming the field.
func TestConfigErrors(t *testing.T) {
	// No credentials in the environment unless a case sets them.
	t.Setenv(s3store.EnvAccessKey, "")
	t.Setenv(s3store.EnvSecretKey, "")
	base := func() s3store.Config {
		return s3store.Config{Endpoint: "127.0.0.1:1", Bucket: "archive", AccessKey: "k", SecretKey: "s"}
	}
	tests := []struct {
		name  string
		edit  func(*s3store.Config)
		field string
	}{
		{"no endpoint", func(c *s3store.Config) { c.Endpoint = "" }, "Endpoint"},
		{"endpoint with scheme", func(c *s3store.Config) { c.Endpoint = "http://127.0.0.1:9000" }, "Endpoint"},
		{"endpoint with path", func(c *s3store.Config) { c.Endpoint = "host/path" }, "Endpoint"},
		{"endpoint with bad port", func(c *s3store.Config) { c.Endpoint = "host:port" }, "Endpoint"},
		{"endpoint with user", func(c *s3store.Config) { c.Endpoint = "user@host" }, "Endpoint"},
		{"no bucket", func(c *s3store.Config) { c.Bucket = "" }, "Bucket"},
		{"bucket with capitals", func(c *s3store.Config) { c.Bucket = "Archive" }, "Bucket"},
		{"bucket too short", func(c *s3store.Config) { c.Bucket = "ab" }, "Bucket"},
		{"bucket with underscore", func(c *s3store.Config) { c.Bucket = "my_archive" }, "Bucket"},
		{"prefix with ..", func(c *s3store.Config) { c.Prefix = "a/../b" }, "Prefix"},
		{"prefix with .", func(c *s3store.Config) { c.Prefix = "./b" }, "Prefix"},
		{"prefix with empty component", func(c *s3store.Config) { c.Prefix = "a//b" }, "Prefix"},
		{"prefix with newline", func(c *s3store.Config) { c.Prefix = "a\nb" }, "Prefix"},
		{"prefix not UTF-8", func(c *s3store.Config) { c.Prefix = "a\xffb" }, "Prefix"},
		{"prefix too long", func(c *s3store.Config) { c.Prefix = string(make([]byte, 600)) }, "Prefix"},
		{"unknown lookup", func(c *s3store.Config) { c.BucketLookup = 7 }, "BucketLookup"},
		{"secret without key", func(c *s3store.Config) { c.AccessKey = "" }, "AccessKey"},
		{"key without secret", func(c *s3store.Config) { c.SecretKey = "" }, "SecretKey"},
		{"no credentials at all", func(c *s3store.Config) { c.AccessKey, c.SecretKey = "", "" }, "AccessKey"},
		{"anonymous and keys", func(c *s3store.Config) { c.Anonymous = true }, "Anonymous"},
		{"credentials and keys", func(c *s3store.Config) { c.Credentials = credentials.NewStaticV4("a", "b", "") }, "Credentials"},
		{"segment limit above one PUT", func(c *s3store.Config) { c.MaxSegmentSize = 6 << 30 }, "MaxSegmentSize"},
		{"negative segment limit", func(c *s3store.Config) { c.MaxSegmentSize = -1 }, "MaxSegmentSize"},
		{"negative settle", func(c *s3store.Config) { c.HourSettle = -time.Minute }, "HourSettle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.edit(&cfg)
			_, err := s3store.New(t.Context(), cfg)
			var ce *archive.ConfigError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.field, ce.Field, err.Error())
		})
	}
}

// Credentials come from the environment when the Config has none, and
// half a pair there is refused.
func TestConfigEnvironment(t *testing.T) {
	tests := []struct {
		name, key, secret string
		field             string // of the ConfigError, "" for none
	}{
		{"both", "k", "s", ""},
		{"key only", "k", "", "SecretKey"},
		{"secret only", "", "s", "AccessKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(s3store.EnvAccessKey, tt.key)
			t.Setenv(s3store.EnvSecretKey, tt.secret)
			// A port nobody listens on, no retries: a configuration that
			// passes validation fails on the network instead.
			_, err := s3store.New(t.Context(), s3store.Config{Endpoint: "127.0.0.1:1", Bucket: "archive", Insecure: true, Region: "us-east-1", RetryTimeout: -1})
			var ce *archive.ConfigError
			if tt.field == "" {
				require.NotErrorAs(t, err, &ce)
				var se *s3store.Error
				require.ErrorAs(t, err, &se)
				return
			}
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.field, ce.Field)
		})
	}
}
