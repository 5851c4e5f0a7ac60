"""Dependencies are locked (issue 11 item 8): ``make`` installs ``requirements.lock`` with
``--require-hashes``, so every requirement of setup.cfg (and the test extras) must be pinned there,
at a version inside its range, with hashes; `make lock` regenerates it."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.M)


def declared() -> list[Requirement]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"] + config["options.extras_require"]["test"]
    return [Requirement(line) for line in lines.splitlines() if line.strip()]


def locked() -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in PIN.findall((ROOT / "requirements.lock").read_text())}


def test_every_declared_requirement_is_pinned_inside_its_range() -> None:
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{requirement.name}=={pins[name]} in requirements.lock is outside {requirement.specifier}: "
            "run `make lock`")


def test_every_pin_has_a_hash_and_the_makefile_requires_them() -> None:
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
    for block in blocks:
        if PIN.match(block):
            assert "--hash=sha256:" in block, block.splitlines()[0]
    assert "--require-hashes --no-deps -r requirements.lock" in (ROOT / "Makefile").read_text()
