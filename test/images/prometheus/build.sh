#!/usr/bin/env bash
# Builds the Prometheus test image (Dockerfile beside this script) from Debian's `prometheus` package and prints
# PROMETHEUS_IMAGE=… (for the e2e's environment, like offline-images' lines). Also leaves promtool at
# $PROMTOOL_DIR/promtool for npm test (`promtool check config|rules`, `promtool test rules`). Reuses both when present.
# Needs apt (apt-get download: no install, so no daemon is started on the host) and, for the image, a Docker Engine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="${PROMTOOL_DIR:-/opt/llmgw-promtool}"
image="${PROMETHEUS_IMAGE_TAG:-llmgw-offline/prometheus:2.42}"
if [ ! -x "$tools/promtool" ] || [ ! -x "$tools/prometheus" ]; then
  work="$(mktemp -d)"
  (cd "$work" && apt-get download -qq prometheus >&2 && dpkg-deb -x prometheus_*.deb root)
  mkdir -p "$tools"
  cp "$work/root/usr/bin/prometheus" "$work/root/usr/bin/promtool" "$tools/"
  rm -rf "$work"
fi
if [ "${1:-}" != "--promtool-only" ]; then
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    ctx="$(mktemp -d)"
    cp "$here/Dockerfile" "$tools/prometheus" "$tools/promtool" "$ctx/"
    docker build -q -t "$image" --build-arg "BASE_IMAGE=${BASE_IMAGE:-llmgw-offline/base:bookworm}" "$ctx" >&2
    rm -rf "$ctx"
  fi
  echo "PROMETHEUS_IMAGE=$image"
fi
