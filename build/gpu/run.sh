#!/bin/sh
# Runs a packed invariscope (build/gpu/pack.sh) on an existing PyTorch's libtorch, CUDA included.
# INVARISCOPE_TORCH_LIB may name torch/lib; otherwise it is asked of `python3 -c "import torch"`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dn=${INVARISCOPE_DOTNET_ROOT:-/tmp/invariscope-dotnet}
if [ ! -x "$dn/dotnet" ]; then
  mkdir -p "$dn"
  tar -C "$dn" -xJf "$here/dotnet-rt.tar.xz"
fi
if [ -z "${INVARISCOPE_TORCH_LIB:-}" ]; then
  INVARISCOPE_TORCH_LIB=$(python3 -c "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")
fi
export DOTNET_ROOT="$dn" INVARISCOPE_TORCH_LIB
export LD_LIBRARY_PATH="$INVARISCOPE_TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$dn/dotnet" "$here/app/invariscope.dll" "$@"
