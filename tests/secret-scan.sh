#!/usr/bin/env bash
# The secret scan test.sh runs after the whole suite: FOLDER holds secrets.txt (every password, client secret and token-bearing
# variable the tests handed to dxmig) and artifacts/ (everything dxmig wrote where a person could read it: logs, reports,
# quarantine and ledger files, console and error text, alert mails; see tests/Dxmig.TestSupport/SecretScan.cs).
# Exit 1 when any secret, bearer token, Authorization header or connection-string password is found; the finding names the file
# and which secret, never the secret itself.
set -uo pipefail
folder="${1:?usage: secret-scan.sh FOLDER}"
artifacts="$folder/artifacts"
if [ ! -d "$artifacts" ]; then
  echo "secret scan: 何も集まっていません / nothing was collected (was DXMIG_SECRET_SCAN set?)" >&2
  exit 1
fi
files=$(find "$artifacts" -type f | wc -l)
secrets=0
[ -s "$folder/secrets.txt" ] && secrets=$(sort -u "$folder/secrets.txt" | wc -l)
found=0
if [ "$secrets" -gt 0 ]; then
  n=0
  while IFS= read -r secret; do
    n=$((n + 1))
    while IFS= read -r hit; do
      echo "secret scan: 登録された秘密 #$n が見つかりました / registered secret #$n found in ${hit#"$artifacts"/}" >&2
      found=$((found + 1))
    done < <(grep -rlaF -- "$secret" "$artifacts")
  done < <(sort -u "$folder/secrets.txt")
fi
declare -A patterns=(
  ["Authorization header"]='Authorization:[[:space:]]*(Bearer|Basic)[[:space:]]+[A-Za-z0-9+/._=-]{8,}'
  ["bearer token"]='Bearer[[:space:]]+(emu\.|eyJ)[A-Za-z0-9._-]{20,}'
  ["emulator access token"]='emu\.[A-Za-z0-9_-]{40,}'
  ["client_secret parameter"]='client_secret=[^&[:space:]]{4,}'
  ["connection-string password"]='(Password|Pwd)=[^;*<[:space:]"]{3,}'
)
for name in "${!patterns[@]}"; do
  while IFS= read -r hit; do
    echo "secret scan: $name found in ${hit#"$artifacts"/}" >&2
    found=$((found + 1))
  done < <(grep -rlaE -- "${patterns[$name]}" "$artifacts")
done
echo "secret scan: $files files dxmig wrote, $secrets secrets and ${#patterns[@]} patterns looked for, $found found"
[ "$found" -eq 0 ]
