#!/usr/bin/env bash
# Benchmark (not a test): the two paths into Exchange Online side by side on the same corpus — IMAP with app-only OAuth
# into the exo-imap sandbox (Dovecot validating tokens, Exchange's IMAP behaviour applied by a proxy) and Microsoft
# Graph into the emulator, both without budgets: seconds, messages/s, MB/s, dxmig CPU s per GB, commands or requests
# per message, and how many messages arrived byte for byte.
#   bench/exo-imap.sh [MAILBOXES=8] [MESSAGES_PER_MAILBOX=300] [real|small]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll exo-imap "${1:-8}" "${2:-300}" "${3:-real}"
