#!/usr/bin/env bash
# Runs airkeep's tests the way CI does: installs what the integration tests
# need (Liquidsoap, ffmpeg, Chromium, a versitygw S3 server; see .ci/install),
# then runs every test with the race detector. Extra arguments go to go test.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/install
# With CI set, a test whose tool (liquidsoap, ffmpeg, chromium, icecast2,
# versitygw) is missing fails instead of skipping: .ci/install put them all
# here, so a skip would only hide a broken install.
export CI="${CI:-true}"
export AIRKEEP_VERSITYGW="$PWD/.tools/bin/versitygw"
go test -race "$@" ./...
