#!/usr/bin/env bash
# Benchmark (not a test): one IMAP → Graph job (the project's emulator, Outlook's per-mailbox budgets shrunk in time
# as in bench/graph.sh) run by 1, then 2, then 3 dxmig nodes: separate `dxmig run` processes, each with its own
# DXMIG_NODE and the job's parallelism, started together against one private PostgreSQL ledger, so that they join one
# run and split its mailboxes. Fresh emulator target and fresh ledger for each node count. Reports wall time, MB/s
# against the budgets' ceiling, dxmig CPU seconds per GB, peak RSS per node and per mailbox in flight, and which node
# ran how many mailboxes.
#   bench/cluster.sh [MAILBOXES=24] [MESSAGES_PER_MAILBOX=200] [SCALE=0.1] [PARALLELISM=8] [NODES=1,2,3] [real|small]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot postgresql:/usr/lib/postgresql
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll cluster "${1:-24}" "${2:-200}" "${3:-0.1}" "${4:-8}" "${5:-1,2,3}" "${6:-real}"
