"""A web process made ready before it takes its first request.

A worker imports the URL configuration (the API's schema and serializer modules with it), builds
each language's reverse table of some 700 patterns, loads the translation catalogues, compiles
the templates and loads the holiday tables the first time a request needs each of them: 0.5 s
of CPU or more, paid by whichever request comes first, on each page that first needs it. Done
here once as the worker starts (``gunicorn.conf.py``), no request pays it.

:func:`warm_up` reads neither the database nor Redis: a worker starts while either is down.
:func:`catalogue_warm_up` then reads what every desk page takes from the catalogue remembered
per process (``commitments/memo.py``): the calendars and the divisions, teams and services;
and what a public complaint takes from it: the clock rules and the clocks' frozen terms.
Last, :func:`startup_objects_freeze` keeps the garbage collector off what they loaded.
"""

import contextlib
import gc
import logging
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import Resolver404, get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)

#: Templates outside our own folders that every staff page renders through (crispy forms).
PACKAGE_TEMPLATE_PREFIXES = ("bootstrap5/",)


def warm_up() -> float:
    """Make this process ready to answer (see the module's docstring); the seconds it took."""
    began = time.perf_counter()
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            # The reverse table is built per language; the catalogue is loaded on activation.
            resolver.reverse_dict  # noqa: B018
            with contextlib.suppress(Resolver404):
                resolver.resolve("/")
    _templates_compile()
    _holidays_load()
    spent = time.perf_counter() - began
    logger.info("web process ready in %.2f s", spent)
    return spent


def _templates_compile() -> None:
    """Every template of ours, and the form templates we render with, compiled into the cached
    loader."""
    engine = engines["django"].engine
    names: set[str] = set()
    for folder in _template_folders(engine):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in (".html", ".txt"):
                name = path.relative_to(folder).as_posix()
                if folder.is_relative_to(settings.BASE_DIR) or name.startswith(
                    PACKAGE_TEMPLATE_PREFIXES
                ):
                    names.add(name)
    for name in sorted(names):
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
            # A fragment meant for another engine, or one overridden elsewhere: its page
            # compiles it when it needs it.
            continue


def _template_folders(engine) -> list[Path]:
    from django.template.utils import get_app_template_dirs

    folders = [Path(folder) for folder in engine.dirs]
    if engine.app_dirs:
        folders += [Path(folder) for folder in get_app_template_dirs("templates")]
    return [folder for folder in folders if folder.is_dir()]


def _holidays_load() -> None:
    """This year's, last year's and next year's holidays of every holiday source."""
    from commitments.business_time import _holiday_table

    this_year = date.today().year
    for source in ("KR", "XKRX"):
        for year in (this_year - 1, this_year, this_year + 1):
            _holiday_table(source, year)


def catalogue_warm_up() -> None:
    """The catalogue every desk page reads, remembered in this process before its first page
    (seven queries and their objects, on whichever page came first): the calendars, the
    divisions, teams and services, the canned replies the request page offers; then what the
    homepage's complaint form shows and what a complaint's clocks read (their rules and
    frozen terms: 22 queries on a worker's first complaint)."""
    from commitments.models.calendar import work_calendars
    from requests_desk.cases.replies import canned_replies_remembered
    from requests_desk.desk.forms import desk_catalogue
    from requests_desk.homepage.forms import service_choices
    from requests_desk.homepage.services.public import complaint_catalogue_warm_up

    work_calendars()
    desk_catalogue()
    canned_replies_remembered()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            service_choices()
    complaint_catalogue_warm_up()


def startup_objects_freeze() -> int:
    """Leave the objects made so far (modules, URLs, templates, catalogue: some 220,000) out of
    the garbage collector's full passes for good (``gc.freeze``); how many they are.

    A full pass walks every object the process holds: 200–370 ms in a warm worker, every few
    hundred requests, on whichever request set it off (one of the rare slow answers of a
    benchmark's p95); over the objects made since, 3–25 ms."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
