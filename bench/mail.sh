#!/usr/bin/env bash
# Benchmark (not a test): IMAP → IMAP, dxmig against mbsync (isync) side by side on one generated Japanese corpus.
#   bench/mail.sh [MAILBOXES=10] [MESSAGES_PER_MAILBOX=2000] [real|small]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=()
command -v mbsync >/dev/null 2>&1 || missing+=(isync)
[ -x /usr/bin/time ] || missing+=(time)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
if [ ${#missing[@]} -gt 0 ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null; $sudo chmod 755 /usr/sbin/policy-rc.d
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $sudo rm -f /usr/sbin/policy-rc.d
fi
./dxmig --help >/dev/null
dotnet build bench/Dxmig.Bench/Dxmig.Bench.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/Dxmig.Bench/bin/Release/net10.0/Dxmig.Bench.dll mail "${1:-10}" "${2:-2000}" "${3:-real}"
