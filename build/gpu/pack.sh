#!/bin/sh
# Packs invariscope to run on a machine that has a CUDA PyTorch install but no .NET SDK (see README, "GPU").
# Usage: build/gpu/pack.sh [OUT_DIR]        (default: artifacts/gpu)
# OUT_DIR/app        the published CLI without TorchSharp-cpu's bundled libtorch (PyTorch provides libtorch)
# OUT_DIR/dotnet-rt.tar.xz  the .NET runtime, unpacked by run.sh on first use
# OUT_DIR/run.sh     runs the CLI on the PyTorch found by `python3` (or INVARISCOPE_TORCH_LIB)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/artifacts/gpu}
rm -rf "$out/app"
mkdir -p "$out"
dotnet publish "$root/src/Invariscope.Cli/Invariscope.Cli.csproj" -c Release -o "$out/app" -p:UseAppHost=false >/dev/null
# libtorch comes from PyTorch there; keep our (patched) libLibTorchSharp.so and SkiaSharp's linux-x64 build only.
find "$out/app/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
find "$out/app/runtimes/linux-x64/native" -type f ! -name libLibTorchSharp.so ! -name 'libSkiaSharp*' ! -name 'libHarfBuzzSharp*' -delete
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
tar -C "$dotnet_root" -cJf "$out/dotnet-rt.tar.xz" dotnet host/fxr shared/Microsoft.NETCore.App
cp "$root/build/gpu/run.sh" "$out/run.sh"
chmod +x "$out/run.sh"
du -sh "$out/app" "$out/dotnet-rt.tar.xz"
