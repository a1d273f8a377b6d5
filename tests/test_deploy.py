"""Deployment files checked against schemas and against the service itself: Kubernetes manifests
(kubernetes-validate, strict, offline), compose, and the numbers they must agree on."""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from service.http.app import create_app
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
kubernetes_validate = pytest.importorskip("kubernetes_validate")
SETTING_NAMES = {f.metadata["env"] for f in dataclasses.fields(Settings)}


def manifests() -> dict[str, dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return {name: yaml.safe_load((K8S / name).read_text()) for name in kustomization["resources"]}


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
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz" and "/readyz" in routes
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz" and "/healthz" in routes
    assert container["ports"][0]["containerPort"] == Settings().port
    # The drain (gunicorn's graceful timeout) plus the preStop pause fits in the grace period.
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > graceful_timeout_s(config["data"]) + pause
    security = container["securityContext"]
    assert (
        security["readOnlyRootFilesystem"]
        and not security["allowPrivilegeEscalation"]
        and security["capabilities"]["drop"] == ["ALL"]
    )
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] != 0
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/tmp"}  # gunicorn's heartbeat files
    # Whole cores, so torch's thread count (usable cores under the cgroup quota) is exact.
    assert container["resources"]["limits"]["cpu"] == container["resources"]["requests"]["cpu"] == "2"
    assert _mebibytes(container["resources"]["limits"]["memory"]) >= 1200  # peak RSS ~0.8 GB generating
    assert set(config["data"]) <= SETTING_NAMES, set(config["data"]) - SETTING_NAMES
    assert config["data"]["BRIEFLY_WORKERS"] == "1"  # replicas, not workers, are the unit of scale
    keys_file = next(e["value"] for e in container["env"] if e["name"] == "BRIEFLY_API_KEYS_FILE")
    mount = next(m for m in container["volumeMounts"] if keys_file.startswith(m["mountPath"]))
    secret = next(v for v in pod["volumes"] if v["name"] == mount["name"])["secret"]["secretName"]
    assert secret == by_kind("Secret")["metadata"]["name"] and Path(keys_file).name in by_kind("Secret")["stringData"]


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
    assert briefly["read_only"] and briefly["init"] and briefly["healthcheck"]["test"][-1].count("/readyz") == 1
    assert "ports" not in briefly  # only the proxy is published
    assert proxy["environment"]["BRIEFLY_UPSTREAM"] == f"briefly:{Settings().port}"
    assert (ROOT / "deploy" / briefly["build"]["context"] / briefly["build"]["dockerfile"]).exists()
    assert (ROOT / "deploy" / compose["secrets"]["briefly_api_keys"]["file"]).exists()


def test_image_stop_and_healthcheck_settings() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001$", dockerfile, re.M) and "HEALTHCHECK" in dockerfile and "/readyz" in dockerfile
    assert re.search(r"^STOPSIGNAL SIGTERM$", dockerfile, re.M)
    smoke = (ROOT / "deploy" / "smoke.sh").read_text()
    stop_timeout = int(re.search(r"^STOP_TIMEOUT=(\d+)", smoke, re.M).group(1))
    assert stop_timeout > graceful_timeout_s({})


def _mebibytes(quantity: str) -> float:
    units = {"Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def _seconds(duration: str) -> int:
    return int(duration.rstrip("s"))
