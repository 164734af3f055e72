#!/bin/sh
# Runs block_parts.fsx (after a Release build). dotnet fsi loads a script's relative #r so that TorchSharp does not
# find its native library next to it; a copy with absolute paths does.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp --suffix .fsx)
trap 'rm -f "$tmp"' EXIT
sed "s#\"\.\./\.\./src#\"$root/src#" "$root/scripts/profile/block_parts.fsx" > "$tmp"
dotnet fsi "$tmp"
