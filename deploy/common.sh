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

# A 3-item batch through the batch API at $1 (the openai client's calls, with the standard library):
# upload, create, wait until completed (up to $2 seconds, default 600: workers may still be loading).
check_batch() {
  python3 - "$1" "$ARTICLE" "${2:-600}" <<'PY'
import json, sys, time, urllib.request, uuid
base, article, limit = sys.argv[1], open(sys.argv[2], encoding="utf-8").read(), float(sys.argv[3])
body = {"article": article, "lengths": ["tldr"], "mode": "extractive"}
lines = [json.dumps({"custom_id": f"c{i}", "method": "POST", "url": "/v1/briefings", "body": body}) for i in range(3)]
boundary = uuid.uuid4().hex
form = (
    f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--{boundary}\r\n'
    f'Content-Disposition: form-data; name="file"; filename="check.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n'
    + "\n".join(lines) + f"\r\n--{boundary}--\r\n"
).encode()

def call(path, data=None, content_type=None):
    headers = {"Content-Type": content_type} if content_type else {}
    with urllib.request.urlopen(urllib.request.Request(base + path, data=data, headers=headers), timeout=60) as r:
        return json.loads(r.read())

uploaded = call("/v1/files", form, f"multipart/form-data; boundary={boundary}")
request = {"input_file_id": uploaded["id"], "endpoint": "/v1/briefings", "completion_window": "24h"}
batch = call("/v1/batches", json.dumps(request).encode(), "application/json")
started = time.time()
while batch["status"] not in ("completed", "failed", "expired", "cancelled"):
    if time.time() - started > limit:
        sys.exit(f"batch still {batch['status']} after {limit:.0f} s: {batch['request_counts']}")
    time.sleep(1)
    batch = call(f"/v1/batches/{batch['id']}")
assert batch["status"] == "completed", batch
assert batch["request_counts"] == {"total": 3, "completed": 3, "failed": 0}, batch["request_counts"]
with urllib.request.urlopen(f"{base}/v1/files/{batch['output_file_id']}/content", timeout=60) as r:
    output = [json.loads(line) for line in r.read().decode().splitlines()]
assert sorted(line["custom_id"] for line in output) == ["c0", "c1", "c2"], output
print(f"   a 3-item batch completed on the queue in {time.time() - started:.1f} s")
PY
}
