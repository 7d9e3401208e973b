#!/usr/bin/env bash
# Benchmark (not a test): IMAP → IMAP, dxmig against mbsync (isync) side by side on one generated Japanese corpus, and
# both against the servers' copy floor measured in the same run (one read of every body, one MULTIAPPEND of them).
# Production-like by default: the Dovecot servers on core 0 (as if remote), the measured tool on core 1 (taskset), the
# mail stores on tmpfs (/dev/shm).
#   bench/mail.sh [MAILBOXES=10] [MESSAGES_PER_MAILBOX=2000] [real|small]
#   bench/mail.sh 4 300 real                      # a quick run (about a minute once built)
#   DXMIG_BENCH_CORES=shared bench/mail.sh …      # nothing pinned: tools and servers share both cores (before issue 19)
#   DXMIG_BENCH_BUILD=dev bench/mail.sh …   # the development build (./dxmig) instead of the release form
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup isync:/usr/bin/mbsync time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot
# dxmig in the form installed for unattended runs (built once, a few minutes); DXMIG_BENCH_BUILD=dev: the development build.
if [ "${DXMIG_BENCH_BUILD:-release}" = "release" ]; then
  DXMIG_BUILD=release ./dxmig --help >/dev/null
  export DXMIG_BENCH_DXMIG="$PWD/.dxmig/release/dxmig"
fi
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll mail "${1:-10}" "${2:-2000}" "${3:-real}"
