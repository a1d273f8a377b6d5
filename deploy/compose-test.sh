#!/usr/bin/env bash
# Run deploy/compose.yaml (Briefly behind nginx) and check it through the proxy: readiness, the
# sample article at all five lengths, request ids, a streamed briefing, a batch job run by the worker
# service, both healthchecks; then down.
# Uses the image deploy/smoke.sh built (IMAGE), so run that first. Works with podman-compose or
# `docker compose`.
# Usage: deploy/compose-test.sh [ARTICLE_FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

source deploy/common.sh
export BRIEFLY_HTTP_PORT="${BRIEFLY_HTTP_PORT:-18081}"
BASE="http://127.0.0.1:$BRIEFLY_HTTP_PORT"
if [ "$ENGINE" = podman ]; then
  COMPOSE=(${PODMAN_COMPOSE:-podman-compose} -f deploy/compose.yaml)
else
  COMPOSE=(docker compose -f deploy/compose.yaml)
fi

echo "== compose: images"
"$ENGINE" tag "$IMAGE" localhost/briefly:latest
started=$(date +%s)
"$ENGINE" build "${PULL[@]}" -t localhost/briefly-proxy:latest deploy/nginx >"$OUT/proxy-build.log" 2>&1 \
  || { tail -n 30 "$OUT/proxy-build.log"; exit 1; }
echo "   proxy image built in $(( $(date +%s) - started )) s"

down() { "${COMPOSE[@]}" down -t 10 >"$OUT/compose-down.log" 2>&1 || true; }
trap down EXIT
down

echo "== compose: up"
"${COMPOSE[@]}" up -d --no-build >"$OUT/compose-up.log" 2>&1 || { cat "$OUT/compose-up.log"; exit 1; }
started=$(date +%s.%N)
for _ in $(seq 1 240); do
  if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null || { "${COMPOSE[@]}" logs >"$OUT/compose.log" 2>&1; tail -n 40 "$OUT/compose.log"; exit 1; }
echo "   ready through nginx in $(seconds_since "$started") s"

echo "== compose: checks through the proxy"
curl -fsS -D "$OUT/compose-headers.txt" "$BASE/v1/briefings" -H 'Content-Type: text/plain' -H 'X-Request-ID: compose-test-1' \
  --data-binary @"$ARTICLE" >"$OUT/compose-briefings.json"
grep -qi '^x-request-id: compose-test-1' "$OUT/compose-headers.txt" || { echo "request id not passed through"; exit 1; }
check_five_lengths "$OUT/compose-briefings.json"
echo "   request id passed through"
# Server-sent events must pass nginx unbuffered: the first event arrives before the last. Abstractive
# mode writes freely, so tokens stream (auto with the embedded model condenses: no token events).
curl -fsS -N "$BASE/v1/briefings?mode=abstractive&lengths=headline" -H 'Content-Type: text/plain' -H 'Accept: text/event-stream' \
  --data-binary @"$ARTICLE" >"$OUT/compose-stream.txt"
for event in analysed token briefing done; do
  grep -q "^event: $event" "$OUT/compose-stream.txt" || { echo "no '$event' event through the proxy"; exit 1; }
done
echo "   streamed briefing through nginx: analysed, token, briefing, done"
curl -fsS "$BASE/" | grep -q "<title>Briefly" && echo "   web page served through nginx"
# A batch job: uploaded through nginx, queued on the redis service, run by the worker service.
check_batch "$BASE"

if [ "$ENGINE" = podman ]; then
  # Without systemd, podman runs healthchecks only when asked: ask once per container.
  for service in briefly proxy; do
    container=$("$ENGINE" ps --filter "label=com.docker.compose.service=$service" --format '{{.Names}}' | head -n1)
    "$ENGINE" healthcheck run "$container" && echo "   $service healthcheck: healthy"
  done
else
  for service in briefly proxy; do
    for _ in $(seq 1 60); do
      state=$(docker inspect --format '{{.State.Health.Status}}' "$(docker compose -f deploy/compose.yaml ps -q "$service")")
      [ "$state" = healthy ] && break
      sleep 2
    done
    [ "$state" = healthy ] || { echo "$service is $state"; exit 1; }
    echo "   $service healthcheck: healthy"
  done
fi
echo "== compose test passed"
