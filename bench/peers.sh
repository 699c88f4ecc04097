#!/usr/bin/env bash
# Switchboard beside a peer gateway, in the same run, on the same machine: Portkey's gateway
# (npm @portkey-ai/gateway@1.15.2) proxying to the dev stack's provider simulator, and Switchboard to
# the same simulated provider, both through its HTTP API (OpenAI-compatible, :8080) and with Avro
# straight onto Kafka (bench pipeline), at the same open-loop rates.
#
#   bin/switchboard dev            # in another terminal
#   bench/peers.sh [RATE ...]      # default: 200 1000 (requests/s)
#
# With STREAM=1 every request streams (stream: true) and the time to the first piece of content is
# measured too, for the provider called directly (the floor), Switchboard's HTTP API and Portkey;
# the provider then waits LATENCY_MS (0) before its first chunk and CHUNK_DELAY_MS (0) between chunks.
# Portkey 1.15.2 answers every streamed request 500 under Node 20 ("TypeError: immutable" in its
# updateHeaders, Portkey-AI/gateway#1389 and #1550): its column then shows the failures.
#
# Environment: DURATION (20s), WARMUP (5s), PROVIDER (sim-fast), MODEL (sim-fast-small), PORTKEY_PORT (8787),
# SIMULATOR (http://127.0.0.1:8089), EDGE (http://127.0.0.1:8080), STREAM, LATENCY_MS, CHUNK_DELAY_MS. Portkey is installed into .bench/portkey on first use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rates=("$@"); [[ ${#rates[@]} -gt 0 ]] || rates=(200 1000)
duration="${DURATION:-20s}"; warmup="${WARMUP:-5s}"; provider="${PROVIDER:-sim-fast}"; model="${MODEL:-sim-fast-small}"
port="${PORTKEY_PORT:-8787}"; simulator="${SIMULATOR:-http://127.0.0.1:8089}"; edge="${EDGE:-http://127.0.0.1:8080}"
sb="$root/bin/switchboard"

if ! curl -sf "$simulator/$provider/admin/faults" >/dev/null; then
  echo "error: no provider simulator at $simulator/$provider: start the stack first (bin/switchboard dev)" >&2
  exit 2
fi
# Switchboard's API wants a bearer token from its issuer, unless the stack runs with security.enabled=false;
# changing the simulator's faults wants an operator's.
edge_auth=(); if token="$("$sb" token 2>/dev/null)"; then edge_auth=(-H "Authorization: Bearer $token"); fi
ops_auth=(); if ops="$("$sb" token --role ops 2>/dev/null)"; then ops_auth=(-H "Authorization: Bearer $ops"); fi
portkey="$root/.bench/portkey"
if [[ ! -f "$portkey/node_modules/@portkey-ai/gateway/build/start-server.js" ]]; then
  echo "Installing Portkey's gateway 1.15.2 into $portkey ..." >&2
  mkdir -p "$portkey" && (cd "$portkey" && npm i --silent @portkey-ai/gateway@1.15.2 >&2)
fi
(cd "$portkey" && exec node node_modules/@portkey-ai/gateway/build/start-server.js --port "$port" >"$portkey/gateway.log" 2>&1) &
gateway=$!
faults="$(curl -sf "$simulator/$provider/admin/faults")"
cleanup() { kill "$gateway" 2>/dev/null || true; curl -sf "${ops_auth[@]}" -X PUT "$simulator/$provider/admin/faults" -d "$faults" >/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.5; done

headers=(-H "x-portkey-provider: openai" -H "x-portkey-custom-host: $simulator/$provider/v1" -H "Authorization: Bearer sk-simulated")
figure() { awk -v key="$1" '$0 ~ "^  "key" " {print $(NF-1); exit}'; }

if [[ "${STREAM:-0}" == 1 ]]; then
  latency="${LATENCY_MS:-0}"; chunk_delay="${CHUNK_DELAY_MS:-0}"
  printf '%-8s  %-30s  %-30s  %-30s\n' "rate" "provider direct" "Switchboard HTTP" "Portkey"
  printf '%-8s  %-30s  %-30s  %-30s\n' "" "first token / whole, p50 (p99)" "first token / whole, p50 (p99)" "first token / whole, p50 (p99)"
  for rate in "${rates[@]}"; do
    curl -sf "${ops_auth[@]}" -X PUT "$simulator/$provider/admin/faults" -d "{\"errorRate\":0,\"timeoutRate\":0,\"latencyMs\":{\"p50\":$latency,\"p99\":$latency},\"streamChunkDelayMs\":$chunk_delay}" >/dev/null
    row=()
    for url in "$simulator/$provider/v1/chat/completions" "$edge/v1/chat/completions" "http://127.0.0.1:$port/v1/chat/completions"; do
      extra=("${edge_auth[@]}"); [[ "$url" == *":$port/"* ]] && extra=("${headers[@]}"); [[ "$url" == "$simulator"* ]] && extra=(-H "Authorization: Bearer sk-simulated")
      out="$("$sb" bench http --stream --url "$url" "${extra[@]}" --model "$model" --rate "$rate/s" --duration "$duration" --warmup "$warmup" 2>/dev/null || true)"
      row+=("$(figure "first token p50" <<<"$out") / $(figure "latency p50" <<<"$out") ($(figure "first token p99" <<<"$out") / $(figure "latency p99" <<<"$out")) ms")
      grep -h "answered" <<<"$out" | sed "s|^|          $url |" >&2
    done
    curl -sf "${ops_auth[@]}" -X PUT "$simulator/$provider/admin/faults" -d "$faults" >/dev/null
    curl -sf "${ops_auth[@]}" -X PUT "$simulator/$provider/admin/faults" -d '{"streamChunkDelayMs":0}' >/dev/null
    printf '%-8s  %-30s  %-30s  %-30s\n' "$rate/s" "${row[0]}" "${row[1]}" "${row[2]}"
  done
  exit 0
fi

ratio() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { if (b > 0 && d > 0) printf "%.2f, %.2f", a / b, c / d; else print "n/a" }'; }
printf '%-8s  %-22s  %-22s  %-22s  %-18s  %s\n' "rate" "Switchboard HTTP" "Switchboard Kafka" "Portkey" "HTTP / Portkey" "Kafka / Portkey"
printf '%-8s  %-22s  %-22s  %-22s  %-18s  %s\n' "" "p50 / p99" "p50 / p99" "p50 / p99" "(p50, p99)" "(p50, p99)"
for rate in "${rates[@]}"; do
  ours="$("$sb" bench pipeline --rate "$rate/s" --duration "$duration" --warmup "$warmup" --provider "$provider" 2>/dev/null || true)"
  curl -sf "${ops_auth[@]}" -X PUT "$simulator/$provider/admin/faults" -d '{"errorRate":0,"timeoutRate":0,"latencyMs":{"p50":0,"p99":0}}' >/dev/null
  http="$("$sb" bench http --url "$edge/v1/chat/completions" "${edge_auth[@]}" --model "$model" \
      --rate "$rate/s" --duration "$duration" --warmup "$warmup" 2>/dev/null || true)"
  theirs="$("$sb" bench http --url "http://127.0.0.1:$port/v1/chat/completions" "${headers[@]}" --model "$model" \
      --rate "$rate/s" --duration "$duration" --warmup "$warmup" 2>/dev/null || true)"
  curl -sf "${ops_auth[@]}" -X PUT "$simulator/$provider/admin/faults" -d "$faults" >/dev/null
  o50="$(figure "latency p50" <<<"$ours")"; o99="$(figure "latency p99" <<<"$ours")"
  h50="$(figure "latency p50" <<<"$http")"; h99="$(figure "latency p99" <<<"$http")"
  t50="$(figure "latency p50" <<<"$theirs")"; t99="$(figure "latency p99" <<<"$theirs")"
  printf '%-8s  %-22s  %-22s  %-22s  %-18s  %s\n' "$rate/s" "$h50 / $h99 ms" "$o50 / $o99 ms" "$t50 / $t99 ms" \
      "$(ratio "$h50" "$t50" "$h99" "$t99")" "$(ratio "$o50" "$t50" "$o99" "$t99")"
  { grep -h "answered" <<<"$http" | sed "s/^/          HTTP    /"; grep -h "answered" <<<"$ours" | sed "s/^/          Kafka   /"
    grep -h "answered" <<<"$theirs" | sed "s/^/          Portkey /"; } >&2
done
