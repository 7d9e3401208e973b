#!/usr/bin/env bash
# Benchmark (not a test): 7,500 CESS staff, then CESS schedules, into a private PostgreSQL: dxmig's loaders (first
# load: binary COPY straight into the empty table; later: an UNLOGGED staging table + one INSERT … SELECT … ON CONFLICT
# per 50,000-row batch) against plain EF Core (AddRange + SaveChanges per batch, fresh context), on the same generated
# CP932 export, each side in its own process. Prints rows/s of both, the ratios (goal ≥ 20×) for the schedules, the
# staff and both together, and each side's peak RSS after 10 %, 30 % and 100 % of the schedule rows. Then PostgreSQL's
# floor in the same run: the rows dxmig loaded, read back to tmpfs and loaded by psql \copy (text and binary format) into
# empty tables of dxmig's schema, with "% of floor" for every side (goal: dxmig within 1.3x); last, `dxmig run` of the
# real job (ledger included) against the floor of what it wrote (its store rows and its ledger rows by psql COPY).
#   bench/schedules.sh [ROWS=100000]        # default: a few minutes
#   bench/schedules.sh 1000000              # full scale (EF Core side alone takes several minutes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bench_setup
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll schedules "${1:-100000}"
