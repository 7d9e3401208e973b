#!/usr/bin/env bash
# Benchmark (not a test): IMAP → Microsoft Graph (the project's emulator, Outlook's budgets shrunk in time): how close
# dxmig gets to the fastest time Graph's per-mailbox budgets allow, and how many Graph requests a message costs.
#   bench/graph.sh [MAILBOXES=8] [MESSAGES_PER_MAILBOX=300] [SCALE=0.1] [real|small]
# SCALE shrinks the budgets' windows and amounts alike (the same rates as the real service); below 0.1 a single 4 MB
# request no longer fits the byte budget, which never happens with the real one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll graph "${1:-8}" "${2:-300}" "${3:-0.1}" "${4:-real}"
