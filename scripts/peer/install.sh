#!/usr/bin/env bash
# Installs the PyTorch peer of `invariscope bench ... --peer torch` (scripts/peer/torch_peer.py): Debian's
# python3-torch (1.13) for /usr/bin/python3, on OpenBLAS's pthread build. Does nothing where torch already imports.
set -euo pipefail
pkgs=(python3-torch libopenblas0-pthread python3-numpy)
if /usr/bin/python3 -c "import torch" 2>/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "peer: run as root, or: sudo apt-get install -y ${pkgs[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 ||
  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null; }
/usr/bin/python3 -c "import torch"
