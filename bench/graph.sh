#!/usr/bin/env bash
# Benchmark (not a test): IMAP → Microsoft Graph (the project's emulator, Outlook's budgets shrunk in time): how close
# dxmig gets to the fastest time Graph's per-mailbox budgets allow, and how many Graph requests a message costs.
#   bench/graph.sh [MAILBOXES=8] [MESSAGES_PER_MAILBOX=300] [SCALE=0.01] [real|small]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=()
[ -x /usr/bin/time ] || missing+=(time)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
if [ ${#missing[@]} -gt 0 ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null; $sudo chmod 755 /usr/sbin/policy-rc.d
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $sudo rm -f /usr/sbin/policy-rc.d
fi
./dxmig --help >/dev/null
dotnet build bench/Dxmig.Bench/Dxmig.Bench.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll graph "${1:-8}" "${2:-300}" "${3:-0.01}" "${4:-real}"
