"""Deployment files checked against schemas and against the service itself: Kubernetes manifests
(kubernetes-validate, strict, offline), compose, and the numbers they must agree on."""

from __future__ import annotations

import copy
import dataclasses
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from service.http.app import create_app
from service.models.weights import GENERATOR_FOLDER
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"  # the manifests; K8S applies it as is, overlays/ patch it
kubernetes_validate = pytest.importorskip("kubernetes_validate")
SETTING_NAMES = {f.metadata["env"] for f in dataclasses.fields(Settings)}


def manifests() -> dict[str, dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    return {name: yaml.safe_load((BASE / name).read_text()) for name in kustomization["resources"]}


def by_kind(kind: str) -> dict:
    return next(doc for doc in manifests().values() if doc["kind"] == kind)


def graceful_timeout_s(env: dict[str, str]) -> int:
    """gunicorn's graceful timeout for these settings (gunicorn.conf.py: request timeout + 30 s)."""
    return int(Settings.from_env(env).request_timeout_s) + 30


@pytest.mark.parametrize("name", list(manifests()))
def test_every_manifest_validates_strictly(name: str) -> None:
    kubernetes_validate.validate(manifests()[name], kubernetes_validate.latest_version(), strict=True)


def test_the_validator_is_not_a_rubber_stamp() -> None:
    broken = copy.deepcopy(by_kind("Deployment"))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_deployment_agrees_with_the_service_it_runs() -> None:
    deployment, config = by_kind("Deployment"), by_kind("ConfigMap")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    routes = {rule.rule for rule in create_app(Settings()).url_map.iter_rules()}
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "/readyz" in routes
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "/healthz" in routes
    assert container["ports"][0]["containerPort"] == Settings().port
    # The drain (gunicorn's graceful timeout) plus the preStop pause fits in the grace period.
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > graceful_timeout_s(config["data"]) + pause
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"]
    assert not security["allowPrivilegeEscalation"]
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod["securityContext"]["runAsNonRoot"]
    assert pod["securityContext"]["runAsUser"] != 0
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/tmp"}  # gunicorn's heartbeat files
    # Whole cores, so torch's thread count (usable cores under the cgroup quota) is exact.
    assert container["resources"]["limits"]["cpu"] == container["resources"]["requests"]["cpu"] == "2"
    assert _mebibytes(container["resources"]["limits"]["memory"]) >= 1200  # peak RSS ~0.8 GB generating
    assert set(config["data"]) <= SETTING_NAMES, set(config["data"]) - SETTING_NAMES
    assert config["data"]["BRIEFLY_WORKERS"] == "1"  # replicas, not workers, are the unit of scale
    keys_file = next(e["value"] for e in container["env"] if e["name"] == "BRIEFLY_API_KEYS_FILE")
    mount = next(m for m in container["volumeMounts"] if keys_file.startswith(m["mountPath"]))
    secret = next(v for v in pod["volumes"] if v["name"] == mount["name"])["secret"]["secretName"]
    assert secret == by_kind("Secret")["metadata"]["name"]
    assert Path(keys_file).name in by_kind("Secret")["stringData"]


def test_service_hpa_and_pdb_point_at_the_deployment() -> None:
    deployment = by_kind("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert by_kind("Service")["spec"]["selector"].items() <= labels.items()
    assert by_kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = by_kind("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] > by_kind("PodDisruptionBudget")["spec"]["minAvailable"]  # a drain never blocks
    assert (
        by_kind("Service")["spec"]["ports"][0]["targetPort"]
        == deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"]
    )


def test_compose_agrees_with_the_service_it_runs() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    briefly, proxy = compose["services"]["briefly"], compose["services"]["proxy"]
    assert set(briefly["environment"]) <= SETTING_NAMES
    assert _seconds(briefly["stop_grace_period"]) > graceful_timeout_s(briefly["environment"])
    assert briefly["read_only"]
    assert briefly["init"]
    assert briefly["healthcheck"]["test"][-1].count("/readyz") == 1
    assert "ports" not in briefly  # only the proxy is published
    assert proxy["environment"]["BRIEFLY_UPSTREAM"] == f"briefly:{Settings().port}"
    assert (ROOT / "deploy" / briefly["build"]["context"] / briefly["build"]["dockerfile"]).exists()
    assert (ROOT / "deploy" / compose["secrets"]["briefly_api_keys"]["file"]).exists()


def test_image_stop_and_healthcheck_settings() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert "/readyz" in dockerfile
    assert re.search(r"^STOPSIGNAL SIGTERM$", dockerfile, re.M)
    smoke = (ROOT / "deploy" / "smoke.sh").read_text()
    stop_timeout = int(re.search(r"^STOP_TIMEOUT=(\d+)", smoke, re.M).group(1))
    assert stop_timeout > graceful_timeout_s({})


def _mebibytes(quantity: str) -> float:
    units = {"Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def _seconds(duration: str) -> int:
    return int(duration.rstrip("s"))


# ---------------------------------------------------------------- engine mode: deploy/k8s/overlays/engine

OVERLAY = K8S / "overlays" / "engine"
ENGINE_EXAMPLES = sorted((OVERLAY / "engines").glob("*.yaml"))
# Strategic-merge keys of the lists these patches touch; lists that a patch replaces whole; any other
# list in a patch fails the rendering, so a new kind of patch is taught here rather than guessed.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
REPLACED_LISTS = {"metrics", "args", "command"}


def kustomize(folder: Path) -> list[dict]:
    """What `kustomize build` makes of FOLDER, for the features these kustomizations use: resources
    (files or folders), labels on metadata only, images, and strategic-merge patches from files.
    Anything else fails here rather than being skipped; a test compares this with kustomize itself."""
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(spec) <= {"apiVersion", "kind", "resources", "labels", "images", "patches"}, spec.keys()
    objects: list[dict] = []
    for entry in spec.get("resources", []):
        path = folder / entry
        objects += kustomize(path) if path.is_dir() else [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for entry in spec.get("patches", []):
        assert set(entry) == {"path"}, entry
        patch = yaml.safe_load((folder / entry["path"]).read_text())
        targets = [o for o in objects if _ref(o) == _ref(patch)]
        assert len(targets) == 1, f"{entry['path']} patches {len(targets)} objects"
        _strategic_merge(targets[0], patch)
    for label in spec.get("labels", []):
        assert set(label) == {"pairs"}, label  # no includeSelectors / includeTemplates
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    for image in spec.get("images", []):
        assert set(image) <= {"name", "newName", "newTag"}, image
        for obj in objects:
            for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag or 'latest')}"
    return objects


def _ref(obj: dict) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def _strategic_merge(target: dict, patch: dict) -> None:
    for key, value in patch.items():
        assert not key.startswith("$"), f"unsupported patch directive at {key}"
        assert value is not None, f"unsupported patch directive at {key}"
        old = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            _strategic_merge(old, value)
        elif isinstance(value, list) and isinstance(old, list) and key not in REPLACED_LISTS:
            assert key in MERGE_KEYS, f"no merge key known for the list {key!r}"
            merge_key = MERGE_KEYS[key]
            existing = {item[merge_key]: item for item in old}
            for item in value:
                if item[merge_key] in existing:
                    _strategic_merge(existing[item[merge_key]], item)
                else:
                    old.append(copy.deepcopy(item))
        else:
            target[key] = copy.deepcopy(value)


def kinds(objects: list[dict]) -> dict[str, dict]:
    by_kind_here = {obj["kind"]: obj for obj in objects}
    assert len(by_kind_here) == len(objects), "one object per kind expected"
    return by_kind_here


def _kustomize_command() -> list[str] | None:
    """kustomize with its default load restrictor: what `kubectl apply -k FOLDER` does."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def _canonical(value: Any) -> Any:
    """Order-free form: objects by kind and name, named list items by name."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        if items and all(isinstance(item, dict) and "kind" in item and "metadata" in item for item in items):
            return sorted(items, key=_ref)
        if items and all(isinstance(item, dict) and "name" in item for item in items):
            return sorted(items, key=lambda item: str(item["name"]))
        return items
    return value


@pytest.mark.parametrize("folder", [K8S, BASE, OVERLAY], ids=["k8s", "base", "engine-overlay"])
def test_rendering_here_is_what_kustomize_renders(folder: Path) -> None:
    command = _kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    rendered = subprocess.run([*command, str(folder)], capture_output=True, text=True, timeout=60, check=True).stdout
    assert _canonical(list(yaml.safe_load_all(rendered))) == _canonical(kustomize(folder))


@pytest.mark.parametrize("obj", kustomize(OVERLAY), ids=lambda obj: obj["kind"])
def test_every_engine_overlay_object_validates_strictly(obj: dict) -> None:
    kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)


def test_deploy_k8s_and_the_engine_overlay_build_on_the_base() -> None:
    """`kubectl apply -k deploy/k8s` applies the base as is; the overlay takes the base whole (its
    labels and image with it) and only patches: nothing is repeated that could drift."""
    specs = {folder: yaml.safe_load((folder / "kustomization.yaml").read_text()) for folder in (K8S, OVERLAY)}
    assert specs[K8S]["resources"] == ["base", "batch"]  # and the batch queue with its workers
    assert set(specs[K8S]) == {"apiVersion", "kind", "resources", "patches"}
    assert specs[OVERLAY]["resources"] == ["../../base"]
    assert not {"labels", "images"} & set(specs[OVERLAY])
    assert (OVERLAY / specs[OVERLAY]["resources"][0]).resolve() == BASE
    # deploy/k8s: the base as is, plus the batch queue and workers, and the API pointed at the queue.
    base_with_queue = kustomize(BASE)
    kinds(base_with_queue)["ConfigMap"]["data"]["BRIEFLY_QUEUE_URL"] = "redis://briefly-redis:6379/0"
    assert _canonical(kustomize(K8S)) == _canonical(base_with_queue + kustomize(BATCH))
    assert sorted(map(_ref, kustomize(OVERLAY))) == sorted(map(_ref, kustomize(BASE)))


def test_engine_overlay_runs_small_cpu_pods_against_the_engine() -> None:
    base, overlay = kinds(kustomize(BASE)), kinds(kustomize(OVERLAY))
    config = overlay["ConfigMap"]["data"]
    assert set(config) <= SETTING_NAMES, set(config) - SETTING_NAMES
    settings = Settings.from_env(config)
    assert settings.engine_url
    assert settings.device == "cpu"
    assert settings.workers == 1
    pod = overlay["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    resources = container["resources"]
    base_resources = base["Deployment"]["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert "nvidia.com/gpu" not in {**resources["requests"], **resources["limits"]}
    cores = _cores(resources["limits"]["cpu"])
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"]
    assert cores.is_integer()
    assert cores < _cores(base_resources["limits"]["cpu"])
    memory = [_mebibytes(resources[side]["memory"]) for side in ("requests", "limits")]
    assert 512 <= memory[0] <= memory[1] < _mebibytes(base_resources["limits"]["memory"])
    # The base's env and mounts are kept (merged, not replaced); the engine's key comes from an optional Secret.
    env = {item["name"]: item for item in container["env"]}
    assert "BRIEFLY_API_KEYS_FILE" in env
    assert set(env) <= SETTING_NAMES
    assert env["BRIEFLY_ENGINE_API_KEY"]["valueFrom"]["secretKeyRef"]["optional"] is True
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/tmp"}
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > graceful_timeout_s(config) + pause
    # More, smaller pods, scaled on CPU; a drain never blocks.
    hpa, base_hpa = overlay["HorizontalPodAutoscaler"]["spec"], base["HorizontalPodAutoscaler"]["spec"]
    assert overlay["Deployment"]["spec"]["replicas"] == hpa["minReplicas"] > base_hpa["minReplicas"]
    assert hpa["maxReplicas"] > base_hpa["maxReplicas"]
    assert [metric["resource"]["name"] for metric in hpa["metrics"]] == ["cpu"]
    assert hpa["scaleTargetRef"]["name"] == overlay["Deployment"]["metadata"]["name"]
    assert hpa["minReplicas"] > overlay["PodDisruptionBudget"]["spec"]["minAvailable"]


@pytest.mark.parametrize("path", ENGINE_EXAMPLES, ids=lambda path: path.name)
def test_engine_examples_serve_what_the_overlay_calls(path: Path) -> None:
    objects = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for obj in objects:
        kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)
    example, overlay = kinds(objects), kinds(kustomize(OVERLAY))
    url = urlsplit(Settings.from_env(overlay["ConfigMap"]["data"]).engine_url)
    service, deployment = example["Service"], example["Deployment"]
    assert service["metadata"]["name"] == url.hostname
    assert url.path == "/v1"
    assert service["spec"]["ports"][0]["port"] == url.port
    template = deployment["spec"]["template"]
    (container,) = template["spec"]["containers"]
    assert service["spec"]["selector"].items() <= template["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] == container["ports"][0]["name"]
    assert f"--port={container['ports'][0]['containerPort']}" in container["args"]
    resources = container["resources"]
    assert resources["requests"]["nvidia.com/gpu"] == resources["limits"]["nvidia.com/gpu"] == 1
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
    # A key the engine reads is the one Briefly sends.
    (briefly,) = overlay["Deployment"]["spec"]["template"]["spec"]["containers"]
    (briefly_key,) = _secret_refs(briefly)
    engine_keys = [ref for ref in _secret_refs(container) if ref["name"] == briefly_key["name"]]
    assert all(ref == briefly_key for ref in engine_keys)
    if container["image"].startswith("vllm/"):
        assert engine_keys, "vLLM reads no engine key"


# ---------------------------------------------------------------- engine mode: deploy/compose.engine.yaml

COMPOSE_ENGINE = ROOT / "deploy" / "compose.engine.yaml"
ENGINE_PROFILES = ("gpu", "cpu")


def _interpolate(value: Any) -> Any:
    """Compose's ${NAME:-default} with none of the names set: the file as shipped."""
    if isinstance(value, str):
        return re.sub(r"\$\{\w+(?::?-([^}]*))?\}", lambda match: match.group(1) or "", value)
    if isinstance(value, dict):
        return {key: _interpolate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item) for item in value]
    return value


def engine_stack(profile: str) -> tuple[dict[str, dict], str, str, str]:
    """The services `--profile PROFILE` starts, and which of them are the engine, Briefly and nginx."""
    services = _interpolate(yaml.safe_load(COMPOSE_ENGINE.read_text())["services"])
    services = {name: s for name, s in services.items() if not s.get("profiles") or profile in s["profiles"]}
    (briefly,) = [name for name, s in services.items() if "BRIEFLY_ENGINE_URL" in s.get("environment", {})]
    (proxy,) = [name for name, s in services.items() if "BRIEFLY_UPSTREAM" in s.get("environment", {})]
    (engine,) = set(services) - {briefly, proxy}
    return services, engine, briefly, proxy


@pytest.mark.parametrize("profile", ENGINE_PROFILES)
def test_engine_compose_runs_briefly_on_the_engine_behind_nginx(profile: str) -> None:
    services, engine_name, briefly_name, proxy_name = engine_stack(profile)
    engine, briefly, proxy = services[engine_name], services[briefly_name], services[proxy_name]
    # Every dependency starts with its dependent: podman-compose fails on one that a profile left out.
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
    env = briefly["environment"]
    assert set(env) <= SETTING_NAMES, set(env) - SETTING_NAMES
    settings = Settings.from_env(env)
    url = urlsplit(settings.engine_url)
    assert (url.hostname, url.path) == (engine_name, "/v1")
    assert f"--port={url.port}" in engine["command"]
    assert engine["expose"] == [str(url.port)]
    assert "ports" not in engine
    assert f":{url.port}/health'" in engine["healthcheck"]["test"][-1]
    assert briefly["depends_on"] == {engine_name: {"condition": "service_healthy"}}
    # Briefly as in compose.yaml, on a CPU and in less memory (no generator weights).
    assert briefly["read_only"]
    assert briefly["init"]
    assert briefly["healthcheck"]["test"][-1].count("/readyz") == 1
    assert "ports" not in briefly
    assert settings.device == "cpu"
    assert "devices" not in str(briefly["deploy"])
    assert _seconds(briefly["stop_grace_period"]) > graceful_timeout_s(env)
    in_process = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]["briefly"]
    limit = _compose_mebibytes(briefly["deploy"]["resources"]["limits"]["memory"])
    assert limit < _compose_mebibytes(in_process["deploy"]["resources"]["limits"]["memory"])
    assert (ROOT / "deploy" / briefly["build"]["context"] / briefly["build"]["dockerfile"]).exists()
    secrets = yaml.safe_load(COMPOSE_ENGINE.read_text())["secrets"]
    assert all((ROOT / "deploy" / secrets[name]["file"]).exists() for name in briefly["secrets"])
    # nginx in front, the only published port.
    assert proxy["environment"]["BRIEFLY_UPSTREAM"] == f"{briefly_name}:{settings.port}"
    assert proxy["depends_on"] == {briefly_name: {"condition": "service_started"}}
    assert proxy["ports"]
    assert (ROOT / "deploy" / proxy["build"]["context"] / "Dockerfile").exists()


def test_engine_compose_gpu_engine_and_its_cpu_stand_in() -> None:
    services, name, _, _ = engine_stack("gpu")
    vllm = services[name]
    assert vllm["image"].startswith("vllm/vllm-openai:")
    assert vllm["deploy"]["resources"]["reservations"]["devices"] == [
        {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}
    ]
    assert f"--max-model-len={Settings().engine_context_tokens}" in vllm["command"]
    services, name, briefly, _ = engine_stack("cpu")
    stand_in = services[name]
    assert "devices" not in str(stand_in.get("deploy"))
    # The Briefly image built with the serving packages (ENGINE_SERVER=1), under its own tag: Briefly
    # itself runs the lean image, as in production.
    build = stand_in["build"]
    assert {key: build[key] for key in ("context", "dockerfile")} == services[briefly]["build"]
    assert build["args"] == {"ENGINE_SERVER": "1"}
    assert "args" not in services[briefly]["build"]
    assert stand_in["image"].endswith(":engine-server")
    assert stand_in["image"] != services[briefly]["image"]
    # `transformers serve` on the folder the image bakes the embedded model into.
    cache_dir = re.search(r"BRIEFLY_CACHE_DIR=(\S+)", (ROOT / "Dockerfile").read_text()).group(1)
    assert stand_in["command"][:3] == ["transformers", "serve", f"{cache_dir}/models/{GENERATOR_FOLDER}"]
    assert stand_in["read_only"]
    assert "/tmp" in stand_in["tmpfs"]
    assert stand_in["environment"]["HF_HOME"].startswith("/tmp/")  # the only place it may write


def _settings_env(stack: str) -> dict[str, str]:
    """The settings a stack gives Briefly: its ConfigMap, or its compose service's environment."""
    if stack.startswith("k8s-"):
        folder = {"k8s-base": BASE, "k8s-engine-overlay": OVERLAY}[stack]
        return kinds(kustomize(folder))["ConfigMap"]["data"]
    if stack == "compose":
        return yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]["briefly"]["environment"]
    services, _, briefly, _ = engine_stack(stack.removeprefix("compose-engine-"))
    return services[briefly]["environment"]


@pytest.mark.parametrize(
    "stack", ["k8s-base", "k8s-engine-overlay", "compose", *(f"compose-engine-{p}" for p in ENGINE_PROFILES)]
)
def test_http_threads_outnumber_the_generations_admitted(stack: str) -> None:
    """Every admitted generation request, running or waiting, holds a gunicorn thread until it ends:
    with more threads than that, probes (and the 429s beyond) still find one."""
    settings = Settings.from_env(_settings_env(stack))
    assert settings.http_threads > settings.generation_slots + settings.max_waiting, (
        settings.http_threads,
        settings.generation_slots,
        settings.max_waiting,
    )


@pytest.mark.slow
@pytest.mark.parametrize("profile", ENGINE_PROFILES)
def test_engine_compose_is_what_podman_compose_reads(profile: str) -> None:
    if importlib.util.find_spec("podman_compose") is None or not shutil.which("podman"):
        pytest.skip("podman-compose (and podman) not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFLY_", "ENGINE_", "VLLM_", "HF_"))}
    command = [sys.executable, "-m", "podman_compose", "-f", str(COMPOSE_ENGINE), "--profile", profile, "config"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=True)
    theirs = yaml.safe_load(result.stdout)["services"]
    ours, engine, briefly, proxy = engine_stack(profile)
    assert set(theirs) == set(ours)
    assert theirs[briefly]["environment"] == {key: str(value) for key, value in ours[briefly]["environment"].items()}
    assert theirs[proxy]["depends_on"] == ours[proxy]["depends_on"]
    for name in (engine, briefly):  # build arguments (the cpu engine's ENGINE_SERVER) survive; podman lists them
        args = theirs[name].get("build", {}).get("args", {})
        args = dict(arg.split("=", 1) for arg in args) if isinstance(args, list) else args
        assert args == ours[name].get("build", {}).get("args", {}), name


def _pins(*names: str) -> dict[str, str]:
    """Name -> version pinned in these requirements files (following their -r lines)."""
    pins: dict[str, str] = {}
    for name in names:
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("-r "):
                pins |= _pins(line.removeprefix("-r ").strip())
            elif "==" in line:
                requirement, version = line.split("==")
                pins[canonicalize_name(requirement)] = version
    return pins


def _dockerfile_run(fragment: str) -> tuple[str, dict[str, str]]:
    """The one Dockerfile RUN whose script mentions FRAGMENT, as the shell gets it (continuations
    joined, RUN flags dropped), and the defaults of the stage's ARGs."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", "")
    (script,) = [line[4:] for line in text.splitlines() if line.startswith("RUN ") and fragment in line]
    script = re.sub(r"^(--\S+\s+)+", "", script)
    args = {m[1]: m[2].strip('"') for m in re.finditer(r"^ARG (\w+)=(.*)$", text, re.M)}
    return script, args


def test_the_engine_server_image_can_run_transformers_serve(tmp_path: Path) -> None:
    """`docker build --build-arg ENGINE_SERVER=1` adds transformers[serving], pinned, with --no-deps;
    the default build adds nothing. Checked without building: the pins against the installed
    metadata, and the Dockerfile's RUN run with pip and python stubbed."""
    serving = {
        canonicalize_name(requirement.name)
        for requirement in map(Requirement, importlib.metadata.requires("transformers") or [])
        if requirement.marker is not None
        and requirement.marker.evaluate({"extra": "serving"})
        and not requirement.marker.evaluate({"extra": ""})
    }
    assert serving, "transformers declares no serving extra"
    runtime, extra = _pins("requirements.txt"), _pins("requirements-serving.txt")
    assert serving <= set(runtime) | set(extra), sorted(serving - set(runtime) - set(extra))
    assert not {"fastapi", "uvicorn", "openai", "starlette"} & set(runtime)  # the production image stays lean
    # --no-deps: everything the serving pins need is pinned too (read from the dev venv, which has them).
    for name, version in extra.items():
        assert importlib.metadata.version(name) == version, name
        for requirement in map(Requirement, importlib.metadata.requires(name) or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                assert canonicalize_name(requirement.name) in runtime | extra, f"{name} needs {requirement}"
    # The dev venv has the same pins, and `make install-dev` reruns when they change.
    assert extra.items() <= _pins("requirements-dev.txt").items()
    assert re.search(r"^\$\(DEV_STAMP\):.*\brequirements-serving\.txt\b", (ROOT / "Makefile").read_text(), re.M)
    # The Dockerfile's step, run with stubs: pip only for ENGINE_SERVER=1, any other value fails.
    script, args = _dockerfile_run("requirements-serving.txt")
    assert args["ENGINE_SERVER"] == ""
    for tool in ("pip", "python"):
        stub = tmp_path / tool
        stub.write_text(f'#!/bin/sh\necho {tool} "$@" >> "{tmp_path}/calls"\n')
        stub.chmod(0o755)
    script = script.replace("/opt/venv/bin/", f"{tmp_path}/")
    calls = {}
    for value in ("", "1", "yes"):
        (tmp_path / "calls").write_text("")
        run = subprocess.run(["sh", "-c", script], env={"ENGINE_SERVER": value, "PATH": os.defpath}, timeout=10)
        calls[value] = (run.returncode, (tmp_path / "calls").read_text().splitlines())
    assert calls[""] == (0, [])
    assert calls["yes"][0] != 0
    assert calls["yes"][1] == []
    returncode, (pip, check) = calls["1"]
    assert returncode == 0
    assert pip.split()[:2] == ["pip", "install"]
    assert "--no-deps" in pip.split()
    assert pip.endswith("-r requirements-serving.txt")
    assert check.startswith("python -c ")
    assert "is_serve_available" in check


def _secret_refs(container: dict) -> list[dict]:
    return [
        e["valueFrom"]["secretKeyRef"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})
    ]


def _cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def _compose_mebibytes(size: str) -> float:
    units = {"m": 1, "g": 1024}
    return float(size[:-1]) * units[size[-1].lower()]


# ---------------------------------------------------------------- batch jobs: deploy/k8s/batch, compose's worker

BATCH = K8S / "batch"


def test_batch_manifests_validate_and_wire_the_queue() -> None:
    objects = kustomize(BATCH)
    for obj in objects:
        kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)
    found = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    redis_service, redis = found[("Service", "briefly-redis")], found[("StatefulSet", "briefly-redis")]
    worker, hpa = found[("Deployment", "briefly-worker")], found[("HorizontalPodAutoscaler", "briefly-worker")]
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    url = urlsplit(next(e["value"] for e in container["env"] if e["name"] == "BRIEFLY_QUEUE_URL"))
    assert (url.hostname, url.port) == (redis_service["metadata"]["name"], redis_service["spec"]["ports"][0]["port"])
    patch = yaml.safe_load((BATCH / "queue-patch.yaml").read_text())
    assert patch["data"]["BRIEFLY_QUEUE_URL"] == url.geturl()
    assert set(patch["data"]) <= SETTING_NAMES
    assert container["command"] == ["python", "-m", "service", "worker"]
    assert Settings.from_env({"BRIEFLY_QUEUE_URL": url.geturl()}).runs_items_in_api is False  # the API only enqueues
    assert hpa["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    # Items finish within the grace period; the queue's state is on a volume at its --dir.
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > Settings().request_timeout_s
    (mount,) = redis["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert f"--dir {mount['mountPath']}" in redis["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert redis["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == mount["name"]
    top = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert top["resources"] == ["base", "batch"]
    assert top["patches"] == [{"path": "batch/queue-patch.yaml"}]


def test_compose_runs_workers_and_redis_with_a_volume() -> None:
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    briefly, worker, redis_service = services["briefly"], services["worker"], services["redis"]
    assert worker["environment"] == briefly["environment"]
    assert worker["command"][-1] == "worker"
    url = urlsplit(briefly["environment"]["BRIEFLY_QUEUE_URL"])
    assert url.hostname == "redis"
    assert f"{url.port}" in redis_service["expose"]
    assert any(v.endswith(":/var/lib/briefly") for v in redis_service["volumes"])
    assert "--dir /var/lib/briefly" in redis_service["command"][-1]
    assert "--appendonly yes" in redis_service["command"][-1]
    assert _seconds(worker["stop_grace_period"]) > Settings().request_timeout_s
