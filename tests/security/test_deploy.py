"""Production settings pass Django's deployment checks, and secrets come only from the
environment."""

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cityplatform", "devices", "lighting", "cctv", "dashboards")
# Names that hold a secret: a literal string assigned to one of them is a leaked credential.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)", re.I)


def production_env(tmp_path, **extra) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "SECURE_SSL_REDIRECT"}
        # The browser tests' runner setting (Playwright keeps a loop in the test thread), not
        # a production one.
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cityplatform.settings",
            "VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "city.example.org",
            "HTTPS": "true",
        }
    )
    env.update(extra)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_catches_debug_left_on(tmp_path):
    """The check above has teeth: DEBUG on in production is reported."""
    result = check_deploy(production_env(tmp_path, DEBUG="true"))
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _secret_literals(path: Path) -> list[str]:
    """`NAME = "literal"` or `f(password="literal")` where NAME names a secret."""
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.AST]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            pairs = [(node.target.id, node.value)]
        elif isinstance(node, ast.keyword) and node.arg:
            pairs = [(node.arg, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [
                (k.value, v)
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        for name, value in pairs:
            if (
                SECRET_NAME.search(name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and len(value.value) >= 8
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_no_secret_is_written_in_the_code():
    leaks = [leak for path in _python_files() for leak in _secret_literals(path)]
    assert leaks == []


def test_the_secret_key_is_the_environments(tmp_path):
    key = secrets.token_urlsafe(64)
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECRET_KEY)"
    )
    env = production_env(tmp_path, SECRET_KEY=key)
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == key
    assert not (tmp_path / "secret_key").exists(), "a key from the environment is never written"


def test_env_example_carries_no_secret_values():
    example = ROOT / ".env.example"
    if not example.exists():
        pytest.skip(".env.example not present")
    for line in example.read_text().splitlines():
        name, _, value = line.partition("=")
        if SECRET_NAME.search(name) and not line.lstrip().startswith("#"):
            assert value.strip() in {"", '""', "''"} or value.strip().startswith("change-me"), line
