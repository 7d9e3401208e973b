#!/usr/bin/env bash
# Benchmark (not a test): the address-book slice, dxmig against plain EF Core, side by side on the same corpus.
#   bench/addressbook.sh [ACCOUNTS=200] [ROWS_PER_ACCOUNT=500]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build bench/Dxmig.Bench/Dxmig.Bench.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll addressbook "${1:-200}" "${2:-500}"
