#!/usr/bin/env bash
# Lays out the runtime image's whole file system in a directory: the stripped `swerve` binary
# (built with --static-swift-stdlib, so the Swift runtime and Foundation are inside it), the C
# libraries `ldd` lists plus the dynamic loader, the shipped models, and empty /tmp and
# /opt/ml/model. Docker/Dockerfile's build stage runs it, and so does scripts/build-image.sh on
# a host without a registry, so both make the same image.
set -euo pipefail

usage() { echo "usage: $0 SWERVE_BINARY OUTPUT_DIR   (OUTPUT_DIR must not exist)" >&2; exit 2; }
[ $# -eq 2 ] || usage
binary=$1
out=$2
[ -x "$binary" ] || { echo "$0: $binary is not an executable" >&2; exit 1; }
[ ! -e "$out" ] || { echo "$0: $out already exists" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)

cleanup() { [ "${done:-0}" = 1 ] || rm -rf "$out"; }
trap cleanup EXIT

mkdir -p "$out/usr/local/bin" "$out/opt/ml/model" "$out/opt/swerve" "$out/tmp" "$out/etc"
chmod 1777 "$out/tmp"
strip -o "$out/usr/local/bin/swerve" "$binary"

# Every shared object the binary needs, at the path the loader will look for it.
# ldd prints "name => /path (addr)" for libraries and "/lib64/ld-linux-x86-64.so.2 (addr)" for
# the loader; a "not found" would make the image unusable, so it stops the build.
if ldd "$binary" | grep -q 'not found'; then
  ldd "$binary" >&2
  echo "$0: a library is missing" >&2
  exit 1
fi
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u |
  while read -r library; do
    mkdir -p "$out$(dirname "$library")"
    cp -L "$library" "$out$library"
  done

cp -R "$repo/model-artifacts" "$out/opt/swerve/model-artifacts"
# A root user for tools that look one up; SageMaker runs containers as root.
echo 'root:x:0:0:root:/root:/usr/local/bin/swerve' > "$out/etc/passwd"
echo 'root:x:0:' > "$out/etc/group"
done=1
echo "$out"
