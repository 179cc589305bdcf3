#!/usr/bin/env bash
# Makes a stand-in for the official swift:6.3.1-bookworm image on a host with no registry, so the
# whole two-stage Docker/Dockerfile (not only its runtime stage) can be built here: a Debian 12
# root made with debootstrap from Debian's mirror, the packages the Swift toolchain builds with,
# and the host's toolchain (/opt/swift/usr) merged into /usr, as the official image has it.
# Prints the image reference as its last line. Then, on a host whose Swift packages come from a
# local mirror (git's insteadOf in /etc/gitconfig, as on the project's machines):
#
#   podman build --build-arg SWIFT_IMAGE=localhost/swift:6.3.1-bookworm \
#     -v /opt/swift-packages:/opt/swift-packages:ro -v /etc/gitconfig:/etc/gitconfig:ro \
#     -f Docker/Dockerfile -t localhost/swerve:dockerfile .
#
# Needs root, debootstrap and podman; about 3.5 GB of disk while it runs.
set -euo pipefail

usage() { echo "usage: $0 [--toolchain DIR] [--tag REF]   (defaults /opt/swift, localhost/swift:6.3.1-bookworm)" >&2; exit 2; }
toolchain=/opt/swift
tag=localhost/swift:6.3.1-bookworm
while [ $# -gt 0 ]; do
  case "$1" in
    --toolchain) toolchain=${2:?}; shift 2 ;;
    --tag) tag=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
[ -x "$toolchain/usr/bin/swift" ] || { echo "$0: no Swift toolchain at $toolchain/usr/bin/swift" >&2; exit 1; }
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || { echo "$0: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
repo=$(cd "$(dirname "$0")/.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$repo/deploy/podman/containers.conf}

root=$(mktemp -d /tmp/swift-base.XXXXXX)
trap 'rm -rf "$root"' EXIT

debootstrap --variant=minbase \
  --include=binutils,libc6-dev,libstdc++-12-dev,libgcc-12-dev,libcurl4,libxml2,zlib1g-dev,libsqlite3-0,libncurses6,git,ca-certificates,libpython3.11,tzdata,libedit2,libz3-4,pkg-config,gnupg2 \
  bookworm "$root" http://deb.debian.org/debian >&2
cp -a "$toolchain/usr/." "$root/usr/"
rm -rf "$root/var/cache/apt/archives/"*.deb
tar -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$tag" >&2
podman run --rm "$tag" swift --version >&2
echo "$tag"
