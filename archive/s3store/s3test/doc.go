// Package s3test runs a real S3 server for tests: versitygw (the Versity S3
// Gateway, Apache-2.0) with its POSIX backend on 127.0.0.1, serving a
// temporary folder. Each top-level folder of Server.Dir is a bucket and each
// object is a plain file under it, which makes failures easy to inspect.
//
// It exists so that airkeep's S3 code, and a user's code built on
// archive/s3store, is tested against a server that checks signatures,
// conditional writes and listings the way a production S3 does, not against
// a fake. Start one per test package from TestMain with Shared:
//
//	var s3 s3test.Shared
//
//	func TestMain(m *testing.M) { os.Exit(s3.Main(m, s3test.Config{})) }
//
//	func TestUpload(t *testing.T) {
//		srv := s3.Get(t) // skips under -short, fails without a server
//		...
//	}
//
// Start gives more control: several gateways over one data folder (the
// several-nodes case), HTTPS, virtual-host buckets, Kill and Restart.
//
// The binary is found through the AIRKEEP_VERSITYGW environment variable,
// then PATH, then .tools/bin/versitygw in the module root (where
// .ci/install builds it).
package s3test
