# Shared by the benchmark scripts: install the Debian packages named (by command or file) if missing, with the
# system services kept from starting (policy-rc.d 101), then build dxmig and the bench program.
#   bench_setup PACKAGE:PATH …   e.g. bench_setup time:/usr/bin/time dovecot-imapd:/usr/sbin/dovecot isync:/usr/bin/mbsync
bench_setup() {
  local sudo="" missing=() entry
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  for entry in "$@"; do
    [ -x "${entry#*:}" ] || missing+=("${entry%%:*}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null; $sudo chmod 755 /usr/sbin/policy-rc.d
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    $sudo rm -f /usr/sbin/policy-rc.d
  fi
  ./dxmig --help >/dev/null
  dotnet build bench/Dxmig.Bench/Dxmig.Bench.csproj -c Release --nologo -v q -clp:ErrorsOnly >&2
}
