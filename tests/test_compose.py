"""docker-compose.yml and the Dockerfile, checked without a Docker engine.

The stack cannot run here (no engine, no Neo4j). What can be checked is checked:
the file parses, every GRAPHSVC_* variable is a real setting, secrets are required
(``${VAR:?}``) and never defaulted, Neo4j 5 setting names, plugins, healthcheck and
start order, and the image's user and command. With the compose plugin installed,
``docker compose config`` validates the file against the compose specification too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from graphsvc.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SECRETS = ("NEO4J_AUTH", "GRAPHSVC_NEO4J_PASSWORD", "GRAPHSVC_SECRET_KEY")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):  # the "KEY=value" form
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_services_and_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"neo4j", "graphsvc"}
    assert services["graphsvc"]["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    assert services["graphsvc"]["build"]["context"] == "."
    assert (ROOT / services["graphsvc"]["build"]["dockerfile"]).is_file()


def test_neo4j_5_with_apoc_gds_volume_and_healthcheck(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5\.\d+(\.\d+)?(-community)?", neo4j["image"])
    env = env_of(neo4j)
    assert set(json.loads(env["NEO4J_PLUGINS"])) == {"apoc", "graph-data-science"}
    assert "gds.*" in env["NEO4J_dbms_security_procedures_unrestricted"]
    # Neo4j 5 names (server.memory.*); the 4.x dbms.memory.* names stop Neo4j 5 at start.
    memory = [k for k in env if "memory" in k]
    assert memory and all(k.startswith("NEO4J_server_memory_") for k in memory)
    assert any(v.split(":")[0] == "neo4j_data" and v.endswith(":/data") for v in neo4j["volumes"])
    assert "neo4j_data" in compose["volumes"]
    check = neo4j["healthcheck"]
    assert check["test"][0] == "CMD-SHELL" and "cypher-shell" in check["test"][1]
    # $$ keeps compose from interpolating: the container's own NEO4J_AUTH is used.
    assert "$${NEO4J_AUTH" in check["test"][1]
    assert int(check["retries"]) > 0 and check["start_period"]


def test_graphsvc_env_names_are_settings(compose: dict[str, Any]) -> None:
    fields = {f"GRAPHSVC_{name.upper()}" for name in Settings.model_fields}
    for name, service in compose["services"].items():
        for key in env_of(service):
            if key.startswith("GRAPHSVC_"):
                assert key in fields, f"{name}: {key} is not a Settings field"
    env = env_of(compose["services"]["graphsvc"])
    assert {"GRAPHSVC_NEO4J_URI", "GRAPHSVC_NEO4J_PASSWORD", "GRAPHSVC_NEO4J_DATABASE"} <= set(env)
    assert env["GRAPHSVC_NEO4J_URI"] == "bolt://neo4j:7687"
    assert env["GRAPHSVC_ENVIRONMENT"] == "production"


def test_secrets_are_required_and_never_defaulted(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for key, value in env_of(service).items():
            if key in SECRETS or "PASSWORD" in key or "SECRET" in key:
                refs = re.findall(r"\$\{([A-Z0-9_]+)(:?[?-])?[^}]*\}", value)
                assert refs, f"{key} must come from the environment, not the file"
                assert all(op == ":?" for _, op in refs), f"{key} must use ${{VAR:?}}"
    text = COMPOSE.read_text()
    assert not re.search(r"\$\{[A-Z_]*(PASSWORD|SECRET)[A-Z_]*:-", text)


def test_ports_only_on_loopback(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), port


def test_dockerfile_runs_serve_as_non_root() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    cmd = re.findall(r"^CMD\s+(.+)$", text, re.M)[-1]
    assert json.loads(cmd) == ["graphsvc", "serve", "--host", "0.0.0.0"]  # noqa: S104  a test value; nothing binds to it here
    # The image installs the wheel (which carries the named queries, see
    # tests/test_packaging.py), built from a stage that has queries/ beside the package.
    assert "COPY queries ./queries" in text and "pip wheel --no-deps" in text
    assert "pip install /wheels/" in text and "pip install -e" not in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "data" in ignored and "queries" not in ignored


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,  # noqa: S607  the tool is found on PATH on purpose
    reason="the docker compose plugin is not installed",
)
def test_docker_compose_config_validates(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)}
    ok = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],  # noqa: S607  the tool is found on PATH on purpose
        capture_output=True,
        text=True,
        env={**env, "NEO4J_PASSWORD": "x" * 12, "GRAPHSVC_SECRET_KEY": "y" * 32},
    )
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],  # noqa: S607  the tool is found on PATH on purpose
        capture_output=True,
        text=True,
        env=env,
    )
    assert missing.returncode != 0 and "NEO4J_PASSWORD" in missing.stderr
