#!/usr/bin/env bash
# Build the base image without a registry: a minimal Debian bookworm with python3 (3.11), venv, pip
# and CA certificates, imported into podman and tagged with the name the Dockerfile's FROM line uses,
# so `podman build --pull=never` builds the unchanged Dockerfile. Cached: skipped when the tag exists.
# Usage: deploy/base-image.sh [TAG]      (needs root, debootstrap and podman)
set -euo pipefail
TAG="${1:-docker.io/library/python:3.11-slim-bookworm}"
ENGINE="${ENGINE:-podman}"

if "$ENGINE" image exists "$TAG" 2>/dev/null; then
  echo "base image $TAG: cached"
  exit 0
fi

# The Debian mirror apt already uses (deb822 sources first, then the classic list).
MIRROR="$(grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
[ -n "$MIRROR" ] || MIRROR="$(grep -hoE '^deb +\S+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

ROOTFS="$(mktemp -d /var/tmp/briefly-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
started=$(date +%s)
echo "base image $TAG: debootstrap bookworm from $MIRROR"
debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >/dev/null
chroot "$ROOTFS" /bin/sh -c 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip ca-certificates >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*'
# python:3.11-slim puts python at /usr/local/bin; ours is Debian's /usr/bin/python3 (same 3.11).
ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python"
ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python3"
tar -C "$ROOTFS" -c . | "$ENGINE" import --change 'CMD ["python3"]' - "$TAG" >/dev/null
echo "base image $TAG: built in $(( $(date +%s) - started )) s"
