#!/usr/bin/env bash
# Builds the Swerve runtime image with podman (or buildah) on a host with no registry: the
# release binary is built here (--static-swift-stdlib), scripts/image-rootfs.sh lays out the
# image's file system, and Docker/Dockerfile's `runtime` stage is built from it (the laid-out
# directory stands in for the Dockerfile's `build` stage). The last line printed is the image
# reference, e.g. localhost/swerve:3f2c1ab.
#
# Podman settings for this host come from deploy/podman/containers.conf (CONTAINERS_CONF), so
# nothing under /etc is changed. A first build compiles for about 5 minutes on 2 cores; the
# binary is built under .build/image so the ordinary release build is not thrown away.
set -euo pipefail

usage() {
  echo "usage: $0 [--tag REF] [--binary PATH]" >&2
  echo "  --tag REF      image reference (default localhost/swerve:<git describe>)" >&2
  echo "  --binary PATH  use this swerve binary (built with --static-swift-stdlib) instead of building" >&2
  exit 2
}

repo=$(cd "$(dirname "$0")/.." && pwd)
tag=""
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=${2:?}; shift 2 ;;
    --binary) binary=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done

export CONTAINERS_CONF=${CONTAINERS_CONF:-$repo/deploy/podman/containers.conf}
if command -v podman >/dev/null; then
  builder=(podman build)
  inspect=(podman image inspect)
elif command -v buildah >/dev/null; then
  builder=(buildah build)
  inspect=(buildah inspect --type image)
else
  echo "$0: needs podman or buildah (apt-get install podman runc)" >&2
  exit 1
fi

if [ -z "$tag" ]; then
  tag="localhost/swerve:$(git -C "$repo" describe --always --dirty 2>/dev/null || echo latest)"
fi

if [ -z "$binary" ]; then
  if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
  echo "building the release binary (static Swift runtime) under .build/image ..." >&2
  (cd "$repo" && swift build -c release --product swerve --static-swift-stdlib --scratch-path .build/image >&2)
  binary="$repo/.build/image/release/swerve"
fi

context=$(mktemp -d /tmp/swerve-image.XXXXXX)
trap 'rm -rf "$context"' EXIT
"$repo/scripts/image-rootfs.sh" "$binary" "$context/rootfs" >/dev/null

started=$(date +%s.%N)
"${builder[@]}" --build-context "build=$context" --target runtime -f "$repo/Docker/Dockerfile" \
  -t "$tag" "$context" >&2
finished=$(date +%s.%N)

size=$("${inspect[@]}" --format '{{.Size}}' "$tag")
awk -v s="$size" -v t="$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f", b - a }')" \
  'BEGIN { printf "image size %.1f MB (%d bytes, uncompressed); image assembled in %s s\n", s / 1e6, s, t }' >&2
echo "$tag"
