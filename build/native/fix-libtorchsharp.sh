#!/bin/sh
# Usage: fix-libtorchsharp.sh OUTPUT_DIR OBJ_DIR [always]
# Makes every libLibTorchSharp.so under OUTPUT_DIR loadable on a system libstdc++ without
# GLIBCXX_3.4.32. Leaves systems that have it untouched, unless "always" is given: a publish (the
# .NET tool package, build/gpu/pack.sh) runs on other machines than the one that made it, so it is
# patched wherever it is made (a weak version need changes nothing where the version exists).
# Idempotent. Never touches the NuGet cache: it only rewrites copies under OUTPUT_DIR, through a
# temp file and a rename.
set -eu
out=$1
obj=$2
always=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
libs=$(find "$out" -name libLibTorchSharp.so -type f 2>/dev/null || true)
[ -n "$libs" ] || exit 0

# Fast path: the system libstdc++ already provides GLIBCXX_3.4.32 (Ubuntu 24.04, Debian 13, ...).
ldc=$(command -v ldconfig || echo /sbin/ldconfig)
syslib=$("$ldc" -p 2>/dev/null | sed -n 's/^[[:space:]]*libstdc++\.so\.6 (.*) => //p' | head -n 1 || true)
if [ "$always" != always ] && [ -n "$syslib" ] && grep -qa 'GLIBCXX_3\.4\.32' "$syslib"; then
  exit 0
fi

if ! command -v g++ >/dev/null 2>&1; then
  echo "invariscope: error: g++ is required to build the libLibTorchSharp load fix for this system's older libstdc++ (install it: apt-get install g++)." >&2
  exit 1
fi
mkdir -p "$obj"
tool="$obj/glibcxx_weak"
src="$here/glibcxx_weak.cpp"
if [ ! -x "$tool" ] || [ "$src" -nt "$tool" ]; then
  g++ -O2 -o "$tool.tmp.$$" "$src" -ldl
  mv -f "$tool.tmp.$$" "$tool"
fi
# shellcheck disable=SC2086
if [ "$always" = always ]; then "$tool" --always $libs; else "$tool" $libs; fi
