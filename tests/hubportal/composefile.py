"""docker-compose.yml as `docker compose config` reads it: YAML with its anchors and merge keys, the
extension fields (x-...) left out, ${VAR} interpolated from an environment, and the services a set of
profiles enables. No Docker engine runs where the tests do; this is the part of compose that needs none.
"""

import re
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
COMPOSE_FILE = PROJECT_DIR / "docker-compose.yml"

# Compose's interpolation: $$ (a dollar sign), $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
# ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}.
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
INTERPOLATION = re.compile(
    rf"\$(?:(?P<escaped>\$)|\{{(?P<braced>{_NAME})(?:(?P<operator>:?[-?+])(?P<argument>[^}}]*))?\}}|(?P<bare>{_NAME}))")


class InterpolationError(ValueError):
    pass


def raw() -> dict:
    """The file as YAML reads it, merge keys resolved (PyYAML's safe loader does `<<`)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def references(value: str) -> list[dict]:
    """Each ${...} or $VAR in a string: name, operator ("" for none) and argument."""
    found = []
    for match in INTERPOLATION.finditer(value):
        if match["escaped"]:
            continue
        found.append({"name": match["braced"] or match["bare"], "operator": match["operator"] or "",
                      "argument": match["argument"] or ""})
    return found


def interpolate_string(value: str, environ: dict[str, str], missing: list[str]) -> str:
    def substitute(match):
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        operator, argument = match["operator"] or "", match["argument"] or ""
        is_set = name in environ
        is_set_and_not_empty = bool(environ.get(name))
        present = is_set_and_not_empty if operator.startswith(":") else is_set
        if operator.endswith("-"):
            return environ[name] if present else argument
        if operator.endswith("?"):
            if not present:
                missing.append(name)
                return ""
            return environ[name]
        if operator.endswith("+"):
            return argument if present else ""
        return environ.get(name, "")

    # What the pattern leaves of a "${" is a form compose refuses ("invalid interpolation format").
    leftover = INTERPOLATION.sub("", value)
    if "${" in leftover:
        raise InterpolationError(f"invalid interpolation format in {value!r}")
    return INTERPOLATION.sub(substitute, value)


def _interpolate(node, environ: dict[str, str], missing: list[str]):
    # Values only, as compose does: keys are never interpolated.
    if isinstance(node, dict):
        return {key: _interpolate(value, environ, missing) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate(item, environ, missing) for item in node]
    if isinstance(node, str):
        return interpolate_string(node, environ, missing)
    return node


def config(environ: dict[str, str]) -> dict:
    """The whole project, interpolated from `environ`; raises InterpolationError naming every required
    variable that is missing (compose names the first)."""
    document = {key: value for key, value in raw().items() if not key.startswith("x-")}
    missing: list[str] = []
    result = _interpolate(document, environ, missing)
    if missing:
        raise InterpolationError(f"required variables are missing a value: {', '.join(sorted(set(missing)))}")
    for service in result["services"].values():
        _normalise(service)
    return result


def _normalise(service: dict) -> None:
    """The short forms compose accepts, in their long form."""
    depends_on = service.get("depends_on")
    if isinstance(depends_on, list):
        service["depends_on"] = {name: {"condition": "service_started"} for name in depends_on}
    environment = service.get("environment")
    if isinstance(environment, list):
        service["environment"] = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    healthcheck = service.get("healthcheck")
    if healthcheck and isinstance(healthcheck.get("test"), str):
        healthcheck["test"] = ["CMD-SHELL", healthcheck["test"]]


def services(environ: dict[str, str], profiles: frozenset[str] = frozenset()) -> dict[str, dict]:
    """The services `docker compose --profile ... up` starts: those without profiles, and those with
    one of `profiles`."""
    return {name: service for name, service in config(environ)["services"].items()
            if not service.get("profiles") or set(service["profiles"]) & profiles}
