#!/usr/bin/env bash
# Benchmark (not a test): the operator console's load goal (issue 18). One IMAP → IMAP mail job runs inside
# `dxmig serve --console http://127.0.0.1:PORT`, started by an operator's "run now", alternately with nobody watching
# (baseline) and with 20 signed-in viewers each holding the live view (GET /live) open and reading every event
# (loaded), A B B A A B …, every run into a fresh target with a fresh ledger. Prints each run's time (from the ledger),
# CPU, the events the clients received, and the median slowdown against the 5 % goal.
#   bench/console.sh [MAILBOXES=8] [MESSAGES_PER_MAILBOX=15000] [small|real]
#   DXMIG_BENCH_ROUNDS=3 DXMIG_BENCH_CLIENTS=20 bench/console.sh …   # rounds (A B pairs) and watching clients
#   DXMIG_BENCH_PIN=off bench/console.sh …    # no taskset: every process on every core
#   DXMIG_BENCH_BUILD=dev bench/console.sh …  # the development build (./dxmig) instead of the release form
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot
if [ "${DXMIG_BENCH_BUILD:-release}" = "release" ]; then
  DXMIG_BUILD=release ./dxmig --help >/dev/null
  export DXMIG_BENCH_DXMIG="$PWD/.dxmig/release/dxmig"
fi
# dxmig serve is pinned to core 0 by the bench; this process, the Dovecot servers it starts and the watching clients to
# core 1, so the clients (people's browsers, elsewhere in real life) and the mail servers do not take the job's core.
pin=()
if [ "${DXMIG_BENCH_PIN:-on}" != "off" ] && [ "$(nproc --all)" -ge 2 ] && command -v taskset >/dev/null; then pin=(taskset -c 1); export DXMIG_BENCH_PIN=on
else export DXMIG_BENCH_PIN=off; fi
exec "${pin[@]}" dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll console "${1:-8}" "${2:-15000}" "${3:-small}"
