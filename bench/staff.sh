#!/usr/bin/env bash
# Benchmark (not a test): CESS staff into the platform store, dxmig's bulk load (+ upsert on reload) against plain EF Core
# AddRange + SaveChanges, side by side on the same records, on SQLite and on a private PostgreSQL; on PostgreSQL also
# the floor: the rows dxmig loaded, loaded again by psql \copy (text and binary format) into an empty staff table.
#   bench/staff.sh [ROWS=100000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build bench/Dxmig.Bench/Dxmig.Bench.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll staff "${1:-100000}"
