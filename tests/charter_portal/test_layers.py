"""The apps depend one way: requests_desk → notifications → commitments, never the reverse.

``lint-imports`` (run by ``make test``) holds the Python imports to that order; these tests hold
the ways around it that no import shows: URL names of a higher app reversed in a lower one's code
or templates, and template tag libraries of a higher app loaded there."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
#: The templates each lower app renders (the site-wide templates folder holds them all).
TEMPLATES_OF = {
    "commitments": ["templates/commitments"],
    "notifications": ["templates/notices"],
}
HIGHER = {"commitments": ("notifications", "requests_desk"), "notifications": ("requests_desk",)}


def url_names_of(apps: tuple[str, ...]) -> set[str]:
    """Every URL name (with its namespace) whose view lives in one of ``apps``."""
    names: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                view = entry.callback
                module = getattr(view, "cls", view).__module__
                if module.split(".")[0] in apps:
                    names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns, "")
    return names


def sources_of(app: str) -> list[Path]:
    files = [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    for folder in TEMPLATES_OF[app]:
        files += list((ROOT / folder).rglob("*.html"))
    return files


@pytest.mark.parametrize("app", ["commitments", "notifications"])
def test_no_lower_app_names_a_url_of_a_higher_one(app):
    names = url_names_of(HIGHER[app])
    assert names, "the higher apps' URL names were not found"
    quoted = re.compile(r"""["']([\w-]+(?::[\w-]+)?)["']""")
    found = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in sources_of(app)
        for name in quoted.findall(path.read_text(encoding="utf-8"))
        if name in names
    }
    assert found == set()


@pytest.mark.parametrize("app", ["commitments", "notifications"])
def test_no_lower_app_loads_a_template_library_of_a_higher_one(app):
    libraries = {
        path.stem
        for higher in HIGHER[app]
        for path in (ROOT / higher).rglob("templatetags/*.py")
        if path.stem != "__init__"
    }
    loads = re.compile(r"{%\s*load\s+([^%]+)%}")
    found = {
        (path.relative_to(ROOT).as_posix(), library)
        for path in sources_of(app)
        if path.suffix == ".html"
        for match in loads.findall(path.read_text(encoding="utf-8"))
        for library in match.split()
        if library in libraries
    }
    assert found == set()
