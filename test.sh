#!/usr/bin/env bash
# dxmig: the whole test suite. Installs what the tests need on a fresh Debian machine (PostgreSQL and Dovecot, which the tests
# start privately on loopback ports), builds the solution and runs every test project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: .NET 10 SDK (dotnet) が見つかりません / the .NET 10 SDK is not installed" >&2
  exit 2
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
# Dovecot: the mail tests start private instances on loopback ports (tests/Dxmig.TestSupport/Mail/DovecotServer.cs).
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
# Chromium: the reconciliation report's HTML is checked in real headless Chromium (tests/Dxmig.Cli.Tests/ReportBrowser.cs).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# A Japanese font, so the report's screenshots show the Japanese headings rather than empty boxes.
[ -d /usr/share/fonts/opentype/ipafont-gothic ] || missing+=(fonts-ipafont-gothic)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  # policy-rc.d 101: packages must not start their system services (Dovecot would listen on 143 and 993 everywhere).
  policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  installed=0
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || installed=$?
  if [ -n "$policy_added" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  [ "$installed" -eq 0 ] || exit "$installed"
fi

echo "== build"
dotnet build Migration.sln -c Release --nologo -v q -clp:ErrorsOnly

echo "== test"
log="$(mktemp)"
# The fault and kill scenarios (tests/Dxmig.TestSupport/ChaosTally.cs) append one line each here; printed as one table below.
export DXMIG_CHAOS_TALLY="$(mktemp)"
# Every secret the tests hand to dxmig, and everything dxmig wrote (logs, reports, ledgers, output, alert mails), for the scan
# after the suite (tests/secret-scan.sh). Owner-only; removed on exit.
export DXMIG_SECRET_SCAN="$(mktemp -d)"
# Screenshots of the browser tests (the operator console's pages, the report at 800 px), kept after the suite.
export DXMIG_TEST_ARTIFACTS="${DXMIG_TEST_ARTIFACTS:-$PWD/TestResults/artifacts}"
mkdir -p "$DXMIG_TEST_ARTIFACTS"
trap 'rm -rf "$log" "$DXMIG_CHAOS_TALLY" "$DXMIG_SECRET_SCAN"' EXIT
status=0
dotnet test Migration.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" 2>&1 | tee "$log" || status=$?

# One closing line over every test project: "tests: N passed, N failed, N skipped".
read -r passed failed skipped < <(awk '
  /^(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      gsub(",", "", $(i+1))
      if ($i == "Failed:") f += $(i+1)
      if ($i == "Passed:") p += $(i+1)
      if ($i == "Skipped:") s += $(i+1)
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  status=1
fi
if [ -s "$DXMIG_CHAOS_TALLY" ]; then
  echo "== 障害・強制終了の集計 / faults and kills (lost and doubled counted by re-reading the target)"
  sort "$DXMIG_CHAOS_TALLY" | awk -F'\t' '
    function row(a, b, c, d, e, f, g, h) { printf "%-66s %7s %6s %5s %7s %5s %8s  %s\n", a, b, c, d, e, f, g, h }
    BEGIN { row("scenario", "faults", "kills", "runs", "items", "lost", "doubled", "quarantined (by reason)") }
    { row($1, $2, $3, $4, $5, $6, $7, $8); f += $2; k += $3; r += $4; i += $5; l += $6; d += $7 }
    END { row("TOTAL", f, k, r, i, l, d, "") }'
fi
echo "== 秘密情報の走査 / secret scan of everything dxmig wrote during the suite"
if ! bash tests/secret-scan.sh "$DXMIG_SECRET_SCAN"; then
  status=1
  failed=$((failed + 1))
fi
echo "== スクリーンショット / screenshots: $DXMIG_TEST_ARTIFACTS/screenshots ($(ls "$DXMIG_TEST_ARTIFACTS/screenshots" 2>/dev/null | wc -l) files)"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
