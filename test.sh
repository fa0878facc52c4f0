#!/usr/bin/env bash
# Runs airkeep's tests the way CI does: installs what the integration tests
# need (Liquidsoap, ffmpeg, Chromium, a versitygw S3 server; see .ci/install),
# then runs every test with the race detector. Extra arguments go to go test.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/install
export AIRKEEP_VERSITYGW="$PWD/.tools/bin/versitygw"
go test -race "$@" ./...
