"""Settings come from the environment in one place; thread counts never oversubscribe the cores."""

import dataclasses

import pytest

from service.errors import ConfigurationError
from service.models import cpu
from service.settings import Settings, describe_settings, settings_table


def test_environment_is_read_and_typed() -> None:
    s = Settings.from_env(
        {"MODEL": "/models/bart", "PORT": "9000", "BRIEFLY_WORKERS": "2", "BRIEFLY_RISK_THRESHOLD": "0.2"}
    )
    assert (s.model, s.port, s.workers, s.risk_threshold) == ("/models/bart", 9000, 2, 0.2)
    assert Settings.from_env({}).port == 8000
    assert Settings.from_env({"BRIEFLY_DRAFT_TOKENS": "0"}).draft_tokens == 0  # drafts off


@pytest.mark.parametrize(
    "env",
    [
        {"PORT": "eighty"},
        {"BRIEFLY_DEFAULT_MODE": "creative"},
        {"BRIEFLY_DTYPE": "int3"},
        {"BRIEFLY_WORKERS": "0"},
        {"BRIEFLY_DRAFT_TOKENS": "-1"},
        {"BRIEFLY_DRAFT_TOKENS": "three"},
        {"BRIEFLY_JUDGE_URL": "localhost:11434/v1"},
        {"BRIEFLY_JUDGE_URL": "http://localhost:11434/v1", "BRIEFLY_JUDGE_MODEL": ""},
        {"BRIEFLY_JUDGE_TIMEOUT_S": "0"},
        {"BRIEFLY_JUDGE_TIMEOUT_S": "soon"},
        {"BRIEFLY_JUDGE_RETRIES": "-1"},
        {"BRIEFLY_RISK_THRESHOLD": "1.5"},
        {"BRIEFLY_CHECK_SLOTS": "0"},
    ],
)
def test_bad_settings_fail_at_start(env: dict) -> None:
    with pytest.raises(ConfigurationError):
        Settings.from_env(env)


def test_the_judge_model_is_off_unless_given_a_url() -> None:
    s = Settings.from_env({})
    assert s.judge_url == ""
    assert s.judge_model == "bespoke-minicheck"
    s = Settings.from_env(
        {
            "BRIEFLY_JUDGE_URL": "http://localhost:11434/v1",
            "BRIEFLY_JUDGE_MODEL": "bespokelabs/Bespoke-MiniCheck-7B",
            "BRIEFLY_JUDGE_API_KEY_FILE": "/run/secrets/judge",
            "BRIEFLY_JUDGE_TIMEOUT_S": "2.5",
            "BRIEFLY_JUDGE_RETRIES": "0",
        }
    )
    assert (s.judge_url, s.judge_model, s.judge_api_key_file) == (
        "http://localhost:11434/v1",
        "bespokelabs/Bespoke-MiniCheck-7B",
        "/run/secrets/judge",
    )
    assert (s.judge_timeout_s, s.judge_retries) == (2.5, 0)


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().port = 1  # type: ignore[misc]


def test_torch_threads_split_the_cores_between_workers() -> None:
    assert Settings(workers=1).effective_torch_threads(8) == 8
    assert Settings(workers=3).effective_torch_threads(8) == 2
    assert Settings(workers=4).effective_torch_threads(2) == 1
    assert Settings(workers=2, torch_threads=3).effective_torch_threads(8) == 3


def test_cgroup_quota_caps_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu.os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(cpu, "_cgroup_quota", lambda: 2.5)
    assert cpu.usable_cores() == 2
    monkeypatch.setattr(cpu, "_cgroup_quota", lambda: None)
    assert cpu.usable_cores() == 16


def test_every_setting_is_documented() -> None:
    rows = describe_settings()
    assert {r["env"] for r in rows} >= {"MODEL", "PORT", "BRIEFLY_DEVICE", "BRIEFLY_DTYPE"}
    assert all(r["doc"] for r in rows)


def test_readme_lists_every_setting() -> None:
    from service.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [r["env"] for r in describe_settings() if f"| `{r['env']}` |" not in readme]
    assert not missing, f"README's configuration table lacks {missing}"
    assert settings_table() in readme, (
        "README's configuration table is not the generated one: regenerate it (README says how)"
    )
