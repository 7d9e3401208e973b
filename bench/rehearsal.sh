#!/usr/bin/env bash
# Rehearsal (not a test): the whole migration at 1/50 scale — 150 mailboxes of the real size mix (IMAP → the Graph
# emulator), 7,500 CESS staff, 150,000 schedules, 30,000 facility reservations (→ a PostgreSQL platform store), a CESS
# documents export (→ OneDrive in the emulator) and 400 mobile devices — every job fired once in one run window on the
# closed-day calendar and run by TWO `dxmig serve` nodes (separate processes, one PostgreSQL scheduler store and
# PostgreSQL ledgers: the cluster mode); then `dxmig reconcile` of every job. Before the fire `dxmig plan JOB --json
# --nodes 2` estimates each job; the estimate is compared with the measured wall time (goal: within 15 %).
#   bench/rehearsal.sh [real|small] [FACTOR=0.2] [SCALE=0.1] [PARALLELISM=8] [RATES-FILE]
# FACTOR scales the mail's bytes: the share of the 1/50 scale's messages per mailbox, each message keeping its real size
#   (0.2: 112 messages per mailbox, about 1.2 GB in all; 1: 560 messages, about 40 MB a mailbox, the issue's ~6 GB).
# SCALE shrinks Graph's budget windows and amounts alike (the service's rates; as bench/graph.sh).
# RATES-FILE is passed to `dxmig plan --rates` (rates for the scaled emulator, in plan's rates-file format).
# small: 10 mailboxes, 500 staff, 10,000 schedules, 2,000 reservations, 200 documents, 400 devices (about 2 minutes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot postgresql:/usr/lib/postgresql
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll rehearsal "${1:-real}" "${2:-0.2}" "${3:-0.1}" "${4:-8}" "${5:-}"
