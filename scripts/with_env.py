"""Run a command with the project's settings in its environment.

Settings come from `.env` when it exists, else from `.env.example` (the documented
development defaults); variables already set in the environment win over both.
Usable from either virtual environment: standard library only.

    python scripts/with_env.py COMMAND [ARGS...]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; `#` starts a comment line; quotes around a value are
    removed."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise SystemExit(f"{path.name}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def project_settings() -> dict[str, str]:
    """The settings file's values, under the real environment."""
    env_file = ROOT / ".env"
    if not env_file.exists():
        env_file = ROOT / ".env.example"
    settings = read_env_file(env_file)
    settings.update(os.environ)
    return settings


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    env = project_settings()
    os.execvpe(argv[0], argv, env)


if __name__ == "__main__":
    main(sys.argv[1:])
