#!/usr/bin/env bash
# Build the static release binary and the container image `cloudtwin:latest` (docs/container.md).
#
#   scripts/build-image.sh [IMAGE]        IMAGE defaults to cloudtwin:latest
#
# Needs cargo with the x86_64-unknown-linux-gnu target and podman (or docker: ENGINE=docker).
# It installs nothing: it says what is missing. With podman the storage driver defaults to vfs
# (works without overlay support); set PODMAN_STORAGE_DRIVER to change it.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${1:-cloudtwin:latest}
TARGET=x86_64-unknown-linux-gnu
BIN=target/$TARGET/release/cloudtwin
# What the image gets: the same binary without its symbol table (half the size).
IMAGE_BIN=target/image/cloudtwin
ENGINE=${ENGINE:-podman}

missing=()
command -v cargo >/dev/null || missing+=("cargo (https://rustup.rs)")
command -v "$ENGINE" >/dev/null || missing+=("$ENGINE (Debian/Ubuntu: apt-get install podman)")
command -v file >/dev/null || missing+=("file (apt-get install file)")
command -v strip >/dev/null || missing+=("strip (apt-get install binutils)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'build-image: missing: %s\n' "${missing[@]}" >&2
  exit 1
fi

echo "== static release binary ($BIN)"
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$TARGET" --bin cloudtwin
if ! file -L "$BIN" | grep -qE 'statically linked|static-pie linked'; then
  echo "build-image: $BIN is not statically linked: $(file -L "$BIN")" >&2
  exit 1
fi
mkdir -p "$(dirname "$IMAGE_BIN")"
strip -o "$IMAGE_BIN" "$BIN"
ls -l "$BIN" "$IMAGE_BIN"

echo "== image $IMAGE"
if [ "$ENGINE" = podman ]; then
  # --format docker keeps HEALTHCHECK (the OCI format has no field for it).
  podman --storage-driver "${PODMAN_STORAGE_DRIVER:-vfs}" build --format docker -t "$IMAGE" .
  podman --storage-driver "${PODMAN_STORAGE_DRIVER:-vfs}" image ls "$IMAGE"
else
  "$ENGINE" build -t "$IMAGE" .
  "$ENGINE" image ls "$IMAGE"
fi
