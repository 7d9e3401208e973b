#!/usr/bin/env bash
# Benchmark (not a test): IMAP → IMAP, dxmig against mbsync (isync) side by side on one generated Japanese corpus.
#   bench/mail.sh [MAILBOXES=10] [MESSAGES_PER_MAILBOX=2000] [real|small]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup isync:/usr/bin/mbsync time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll mail "${1:-10}" "${2:-2000}" "${3:-real}"
