#!/usr/bin/env bash
# Benchmark (not a test): the address-book slice on SQLite: dxmig (first pass, no-change pass, its reconciliation),
# SQLite's floor for the same rows (one transaction, one prepared INSERT; store alone and store + ledger) and plain
# EF Core, side by side on the same corpus, each in its own process.
#   bench/addressbook.sh [ACCOUNTS=200] [ROWS_PER_ACCOUNT=500]     # e.g. bench/addressbook.sh 40 500 for a quick run
#   DXMIG_BENCH_KEEP=1 bench/addressbook.sh …                       # keep the corpus, job and databases (for profiling)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build bench/Dxmig.Bench/Dxmig.Bench.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll addressbook "${1:-200}" "${2:-500}"
