# Shared by deploy/smoke.sh and deploy/compose-test.sh (sourced from the repository root):
# the container engine, the image under test, the article, the output folder, podman's settings.

ENGINE="${ENGINE:-$(command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && echo docker || echo podman)}"
IMAGE="${IMAGE:-localhost/briefly:smoke}"
ARTICLE="${1:-../shared/data/seed-article.txt}"
[ -s "$ARTICLE" ] || ARTICLE="tests/data/sample-article.txt"  # a clean checkout without shared/
OUT="test-output/deploy"
mkdir -p "$OUT"
PULL=()
if [ "$ENGINE" = podman ]; then
  [ -n "${CONTAINERS_CONF:-}" ] || export CONTAINERS_CONF="$PWD/deploy/podman/containers.conf"  # runc + cgroupfs (see the file)
  PULL=(--pull=never)  # no registry: base images are built here (deploy/base-image.sh)
fi

# Seconds since a `date +%s.%N` reading, to one decimal.
seconds_since() { python3 -c "import time; print(round(time.time() - $1, 1))"; }

# A /v1/briefings answer (JSON file) has all five lengths, each non-empty and within its contract.
check_five_lengths() {
  python3 - "$1" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
names = list(body["briefings"])
assert names == ["headline", "tldr", "key_points", "paragraph", "brief"], names
for name, b in body["briefings"].items():
    assert b["text"].strip(), name
    assert b["within_contract"], (name, b["violations"])
print(f"   five lengths within contract in {body['timings']['total_s']:.2f} s ({body['model']['id']})")
PY
}
