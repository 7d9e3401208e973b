#!/usr/bin/env bash
# Benchmark (not a test): a night after cutover (issue 16). dxmig's incremental sync (deletions: mirror) against
# mbsync's (Sync Pull, Expunge Near) on the same seeded churn of the source (~1% new, ~2% flag changes, ~0.5% moved,
# ~0.5% expunged per mailbox), two nights, the tools taking turns to go first; and dxmig against a source that does not
# announce CONDSTORE/QRESYNC. Every target is compared with the churned source after each night.
# Each night also times the servers' sync floor (what any sync must ask: LIST-STATUS, changed folders opened with QRESYNC,
# new messages read and MULTIAPPENDed). Servers on core 0, the measured tool on core 1 unless DXMIG_BENCH_CORES=shared.
#   bench/mail-churn.sh [MAILBOXES=10] [MESSAGES_PER_MAILBOX=2000] [real|small]
#   DXMIG_BENCH_BUILD=dev bench/mail-churn.sh …   # the development build (./dxmig) instead of the release form
#   DXMIG_BENCH_ROUNDS=3 bench/mail-churn.sh …    # more nights (default 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup isync:/usr/bin/mbsync time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot
if [ "${DXMIG_BENCH_BUILD:-release}" = "release" ]; then
  DXMIG_BUILD=release ./dxmig --help >/dev/null
  export DXMIG_BENCH_DXMIG="$PWD/.dxmig/release/dxmig"
fi
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll mail-churn "${1:-10}" "${2:-2000}" "${3:-real}"
