"""The production topology file cannot be started here (no Docker engine), so read it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_describes_web_worker_beat_postgres_and_redis_with_health_checks():
    services = load_compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_compose_runs_the_app_in_production_mode_against_its_own_database_and_redis():
    for name in ("web", "worker", "beat"):
        env = load_compose()["services"][name]["environment"]
        assert env["CHARTER_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"


def test_compose_redis_never_evicts_broker_or_schedule_keys():
    command = load_compose()["services"]["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_the_web_health_probe_calls_a_host_the_app_allows():
    web = load_compose()["services"]["web"]
    probe = " ".join(web["healthcheck"]["test"])
    assert "http://localhost:8000/healthz" in probe
    assert web["environment"]["ALLOWED_HOSTS"].split(",")[0] == "localhost"
