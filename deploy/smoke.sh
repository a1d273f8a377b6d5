#!/usr/bin/env bash
# Build the Briefly image and smoke-test it, with docker or podman (whichever is present):
# build (embedded model baked in) -> run read-only as in Kubernetes -> wait for /readyz -> brief the
# sample article (all five lengths within contract) -> a batch job on the embedded queue -> check the
# user is not root -> SIGTERM and a clean stop -> remove. Prints image size, build time, time to ready, memory and stop time, and
# writes them to test-output/deploy/smoke.json.
#
# Usage: deploy/smoke.sh [ARTICLE_FILE]
# Env:   ENGINE=docker|podman  IMAGE=localhost/briefly:smoke  PORT=18080  CA_BUNDLE=/path/ca.pem
set -euo pipefail
cd "$(dirname "$0")/.."

source deploy/common.sh
NAME="briefly-smoke-$$"
PORT="${PORT:-18080}"
STOP_TIMEOUT=150  # above gunicorn's graceful timeout (request timeout 90 s + 30 s)

# ---------------------------------------------------------------- base image and build inputs
BASE_TAG="docker.io/library/python:3.11-slim-bookworm"
if [ "$ENGINE" = podman ] && ! "$ENGINE" image exists "$BASE_TAG"; then
  deploy/base-image.sh "$BASE_TAG"  # no registry here: debootstrap the Debian base (cached once built)
fi

BUILD_ARGS=()
# A CPU torch wheel on this machine (pip's find-links) means no torch index is needed in the build.
LOCAL_TORCH="$(ls /opt/wheels/torch-*+cpu-cp311-*.whl 2>/dev/null | head -n1 || true)"
if [ -n "$LOCAL_TORCH" ]; then
  cp -u "$LOCAL_TORCH" deploy/wheels/
  BUILD_ARGS+=(--build-arg TORCH_INDEX=)
fi
# The CA bundle pip trusts here (a TLS-re-signing proxy) goes to the build as a secret.
CA_BUNDLE="${CA_BUNDLE:-${PIP_CERT:-$(pip config list 2>/dev/null | sed -n "s/^global\.cert='\(.*\)'$/\1/p" | head -n1)}}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
if [ -n "$CA_BUNDLE" ] && [ -s "$CA_BUNDLE" ]; then
  BUILD_ARGS+=(--secret "id=ca,src=$CA_BUNDLE")
fi

cleanup() { "$ENGINE" rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# ---------------------------------------------------------------- build
echo "== build $IMAGE with $ENGINE"
started=$(date +%s)
"$ENGINE" build "${PULL[@]}" "${BUILD_ARGS[@]}" -t "$IMAGE" . >"$OUT/build.log" 2>&1 || { tail -n 40 "$OUT/build.log"; exit 1; }
build_s=$(( $(date +%s) - started ))
size_bytes=$("$ENGINE" image inspect "$IMAGE" --format '{{.Size}}')
size_mb=$(( size_bytes / 1000000 ))
echo "   built in ${build_s} s, image ${size_mb} MB"

# ---------------------------------------------------------------- run as Kubernetes would
echo "== run"
INIT=(--init)
"$ENGINE" run -d --name "$NAME" "${INIT[@]}" --read-only --tmpfs /tmp --stop-timeout "$STOP_TIMEOUT" \
  -p "127.0.0.1:$PORT:8000" "$IMAGE" >/dev/null
started=$(date +%s.%N)
ready=""
for _ in $(seq 1 360); do
  readyz=$(curl -sS "http://127.0.0.1:$PORT/readyz" 2>/dev/null || true)
  case "$readyz" in *'"ready"'*) ready=1; break ;; *'"failed"'*) echo "   $readyz"; break ;; esac
  if [ "$("$ENGINE" inspect "$NAME" --format '{{.State.Running}}')" != true ]; then break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then "$ENGINE" logs "$NAME" | tail -n 40; echo "not ready"; exit 1; fi
ready_s=$(seconds_since "$started")
echo "   ready in ${ready_s} s"

# ---------------------------------------------------------------- the sample article
curl -fsS "http://127.0.0.1:$PORT/v1/briefings" -H 'Content-Type: text/plain' --data-binary @"$ARTICLE" >"$OUT/briefings.json"
check_five_lengths "$OUT/briefings.json"
# One generating request too, so the memory figure includes the model's working set.
curl -fsS "http://127.0.0.1:$PORT/v1/briefings?mode=auto&lengths=tldr,key_points" -H 'Content-Type: text/plain' --data-binary @"$ARTICLE" \
  | python3 -c "import json, sys; t = json.load(sys.stdin)['timings']; print(f\"   auto mode: {t.get('versions_scored', 0)} condensed versions scored, {t.get('new_tokens', 0)} tokens written, verified, in {t['total_s']:.1f} s\")"
# A batch job on the embedded queue (its redis-server and SQLite on the image's data volume).
check_batch "http://127.0.0.1:$PORT"
page=$(curl -fsS "http://127.0.0.1:$PORT/" | grep -c "<title>Briefly" || true)
[ "$page" = 1 ] || { echo "the web page is missing"; exit 1; }

# ---------------------------------------------------------------- not root, memory
uid=$("$ENGINE" exec "$NAME" id -u)
[ "$uid" != 0 ] || { echo "runs as root"; exit 1; }
echo "   runs as uid $uid"
memory=$("$ENGINE" stats --no-stream --format '{{.MemUsage}}' "$NAME" 2>/dev/null | cut -d/ -f1 | xargs || echo unknown)
echo "   memory after an extractive and a generating briefing: $memory"

# ---------------------------------------------------------------- SIGTERM, clean stop
started=$(date +%s.%N)
"$ENGINE" stop -t "$STOP_TIMEOUT" "$NAME" >/dev/null
stop_s=$(seconds_since "$started")
code=$("$ENGINE" inspect "$NAME" --format '{{.State.ExitCode}}')
"$ENGINE" logs "$NAME" >"$OUT/container.log" 2>&1 || true
grep -q "draining" "$OUT/container.log" || { echo "no drain on SIGTERM"; tail -n 20 "$OUT/container.log"; exit 1; }
[ "$code" = 0 ] || { echo "exit code $code after SIGTERM"; tail -n 20 "$OUT/container.log"; exit 1; }
echo "   stopped cleanly in ${stop_s} s (exit 0, drained)"

cat >"$OUT/smoke.json" <<JSON
{"engine": "$ENGINE", "image": "$IMAGE", "image_mb": $size_mb, "build_s": $build_s, "ready_s": $ready_s,
 "memory": "$memory", "stop_s": $stop_s, "uid": $uid}
JSON
echo "== smoke test passed: $(cat "$OUT/smoke.json" | tr -d '\n')"
