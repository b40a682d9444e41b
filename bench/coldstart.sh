#!/usr/bin/env bash
# Cold start and memory of the local host as its own process, started as `./keyward run` starts it (plain `java -cp`):
# JVM start to the first 200 on /health/ping and to the first 200 on unwrapkey (vault, key and token prepared by an
# earlier start of the same home), RSS idle and under 8 clients of unwrapkey (bench's UnwrapLoad, another JVM).
# Results: bench/results/coldstart[-TAG].txt.
#
#   bench/coldstart.sh [RUNS]          (KEYWARD_BENCH_TAG, KEYWARD_BENCH_SKIP_BUILD as for host.sh)
#   KEYWARD_BENCH_CDS=1 bench/coldstart.sh [RUNS]   the same with an AppCDS archive of the host's classes: one training
#                                    start (ping, one unwrapkey) writes it (-XX:ArchiveClassesAtExit), every measured start
#                                    maps it (-XX:SharedArchiveFile); compare with a run without it, in the same quiet moment
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${1:-3}"
port=7471
home="$root/bench/target/coldstart-home"
out="bench/results/coldstart${KEYWARD_BENCH_TAG:+-$KEYWARD_BENCH_TAG}.txt"
[ "${KEYWARD_BENCH_SKIP_BUILD:-}" = 1 ] || mvn -B -q -pl bench -am -DskipTests -Dfunctions.skip=true package \
  dependency:build-classpath -Dmdep.outputFile="$root/bench/target/classpath.txt"
host_cp="$root/functions/local/target/classes:$(cat "$root/functions/local/target/classpath.txt")"
bench_cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"

set -a
eval "$(bash softhsm-config/init-token.sh --dir "$root/.keyward/bench-softhsm" --label keyward-bench --quiet)"
set +a
rm -rf "$home"
mkdir -p "$home" bench/results
export KEYWARD_HOME="$home" KEYWARD_PORT="$port"
base="https://127.0.0.1:$port"
ca="$home/.keyward/tls/ca.pem"
vault="https://kwcold.vault.localhost:$port"
printf '127.0.0.1 localhost kwcold.vault.localhost\n' > bench/target/coldstart-hosts
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT

jsa="$root/bench/target/coldstart-host.jsa"
cds=()
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
start_host() {
  t0=$(now_ms)
  java "${cds[@]}" -cp "$host_cp" io.keyward.local.LocalFunctionHost > "bench/target/coldstart-host.log" 2>&1 &
  pid=$!
}
# SIGTERM: a background job of a script has SIGINT ignored, and the JVM then keeps ignoring it
stop_host() { kill -TERM "$pid"; wait "$pid" || true; pid=""; }
status_of() { curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" "$@" 2>/dev/null || true; }
wait_ping() { until [ -f "$ca" ] && [ "$(status_of "$base/health/ping")" = 200 ]; do sleep 0.01; done; }
rss_mb() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )); }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
token() {
  local op="$home/.keyward/identity/operator.json"
  printf '%s' "$(field clientSecret < "$op")" | curl -sS --cacert "$ca" --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$(field clientId < "$op")" --data-urlencode "client_secret@-" \
    --data-urlencode "scope=$1/.default" "$base/$(field tenantId < "$op")/oauth2/v2.0/token" | field access_token
}

# Preparation: a vault, a key and a wrapped value, as in docs/walkthrough-key-vault.md; then the host stops.
start_host
wait_ping
op="$home/.keyward/identity/operator.json"
tenant="$(field tenantId < "$op")" me="$(field objectId < "$op")"
arm="Authorization: Bearer $(token https://management.azure.com)"
kv_token="$(token https://vault.azure.net)"
rg="$base/subscriptions/c01d0000-0000-4000-8000-000000000001/resourceGroups/cold/providers/Microsoft.KeyVault/vaults/kwcold"
curl -sS -o /dev/null --cacert "$ca" -X PUT -H "$arm" -H 'Content-Type: application/json' "$rg?api-version=2023-07-01" \
  -d '{"location":"eastus","properties":{"tenantId":"'"$tenant"'","sku":{"family":"A","name":"premium"},"enableSoftDelete":true,"softDeleteRetentionInDays":90,"enablePurgeProtection":true,"accessPolicies":[{"tenantId":"'"$tenant"'","objectId":"'"$me"'","permissions":{"keys":["get","create","wrapKey","unwrapKey"]}}]}}'
kid="$(curl -sS --cacert "$ca" -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
  "$vault/keys/cmk/create?api-version=7.5" -d '{"kty":"RSA-HSM","key_size":2048}' | field kid)"
wrapped="$(curl -sS --cacert "$ca" -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
  "$kid/wrapkey?api-version=7.5" -d '{"alg":"RSA-OAEP","value":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}' | field value)"
body='{"alg":"RSA-OAEP","value":"'"$wrapped"'"}'
stop_host
if [ "${KEYWARD_BENCH_CDS:-}" = 1 ]; then
  # training start: the classes loaded up to the first unwrapkey go into the archive when the JVM exits (SIGTERM too)
  rm -f "$jsa"
  cds=("-XX:ArchiveClassesAtExit=$jsa")
  start_host
  wait_ping
  until [ "$(status_of -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
      "$kid/unwrapkey?api-version=7.5" -d "$body")" = 200 ]; do sleep 0.01; done
  stop_host
  cds=("-XX:SharedArchiveFile=$jsa")
fi

{
  echo "local host cold start ($(java -version 2>&1 | head -1)), $(nproc) cores, $runs runs${cds:+, AppCDS archive $(du -m "$jsa" | cut -f1) MB}"
  for i in $(seq "$runs"); do
    start_host
    wait_ping
    t1=$(now_ms)
    until [ "$(status_of -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
        "$kid/unwrapkey?api-version=7.5" -d "$body")" = 200 ]; do sleep 0.01; done
    t2=$(now_ms)
    echo "run $i: JVM start to first ping 200: $((t1 - t0)) ms; to first unwrapkey 200: $((t2 - t0)) ms"
    [ "$i" = "$runs" ] || stop_host
  done
  sleep 10
  echo "RSS idle (10 s after the first unwrapkey): $(rss_mb) MB"
  java -Djdk.net.hosts.file="$root/bench/target/coldstart-hosts" -cp "$bench_cp" io.keyward.bench.UnwrapLoad \
    "$kid/unwrapkey?api-version=7.5" "$kv_token" "$body" 8 20 "$home/.keyward/tls/truststore.p12" > bench/target/coldstart-load.txt &
  load=$!
  max=0
  while kill -0 "$load" 2>/dev/null; do
    r=$(rss_mb); [ "$r" -gt "$max" ] && max=$r
    sleep 0.5
  done
  wait "$load" || true
  sed 's/^/load: /' bench/target/coldstart-load.txt
  echo "RSS under 8 clients of unwrapkey (max of 0.5 s samples): $max MB"
  stop_host
} | tee "$out"
