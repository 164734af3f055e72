#!/bin/bash
# Samples the resident memory of a training run over its epochs (issue 13: native memory must not run away).
# Usage: scripts/rss-train.sh OUT [EPOCHS] [IMAGES]   (uses the Release build; prints "seconds rss_MiB" lines, then a summary)
set -euo pipefail
out=${1:?usage: scripts/rss-train.sh OUT [EPOCHS] [IMAGES]}; epochs=${2:-30}; images=${3:-320}
cli=src/Invariscope.Cli/bin/Release/net10.0/invariscope.dll
[ -f "$cli" ] || dotnet build src/Invariscope.Cli -c Release -v q >/dev/null
rm -rf "$out"
dotnet "$cli" train --data "synthetic:texture?size=32&n=$images&seed=2" --set model=vit_micro_patch8_32 --set epochs="$epochs" \
    --set batch_size=32 --device cpu --out "$out" > "$out.log" 2>&1 &
pid=$!
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss"
    sleep 2
done | tee "$out.rss"
wait "$pid"
awk 'NR==1 {first=$2} {last=$2; if ($2>max) max=$2} END {printf "RSS first %d MiB, last %d MiB, max %d MiB over %d samples\n", first, last, max, NR}' "$out.rss"
