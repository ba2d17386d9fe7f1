"""`make run` installs only what the server runs: the development tools are locked apart."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DEVELOPMENT_ONLY = {"pytest", "pytest-asyncio", "pytest-timeout", "hypothesis", "playwright", "axe-playwright-python",
                    "import-linter"}


def pinned(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name.strip())] = version.split(";")[0].strip()
    return pins


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def test_the_runtime_lock_pins_every_runtime_dependency_and_no_development_tool():
    runtime = pinned("requirements.lock")
    assert names(PYPROJECT["project"]["dependencies"]) <= set(runtime)
    assert not {canonicalize_name(n) for n in DEVELOPMENT_ONLY} & set(runtime)


def test_the_development_lock_pins_the_dev_extras_and_agrees_with_the_runtime_lock():
    runtime, development = pinned("requirements.lock"), pinned("requirements-dev.lock")
    dev_extras = names(PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert dev_extras <= set(development) | set(runtime)
    assert {canonicalize_name(n) for n in DEVELOPMENT_ONLY} <= dev_extras
    assert {n: v for n, v in development.items() if n in runtime} == {n: runtime[n] for n in development if n in runtime}


def test_make_run_installs_the_runtime_lock_only():
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run: (.*)$", makefile, re.M).group(1).split()
    runtime_recipe = re.search(r"^\$\(RUNTIME\):.*?\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert run == ["$(RUNTIME)"]
    assert "requirements.lock" in runtime_recipe and "requirements-dev.lock" not in runtime_recipe
    assert "[dev]" not in runtime_recipe
