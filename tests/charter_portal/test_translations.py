"""The translation catalogues: Korean is complete, the committed .mo files match their .po files,
the catalogue covers every string in the sources, and the pages really speak Korean at ``/``.

The catalogue checks read the .po files with the small parser below (polib is not a dependency)
and use GNU gettext's ``msgfmt``, which CI installs: a missing ``msgfmt`` fails, it never skips.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
LOCALE_DIR = PROJECT_DIR / "locale"
KO_PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / "django.po"
KO_MO = LOCALE_DIR / "ko" / "LC_MESSAGES" / "django.mo"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"

# The same folders `make messages` leaves out (see the Makefile); the copy below skips them too.
IGNORED = (".venv", "staticfiles", "var", "tests", "bench", "node_modules")
NOT_COPIED = (
    *IGNORED,
    ".git",
    "locale",
    "test-artifacts",
    "node_modules",
    "__pycache__",
    "*.egg-info",
    ".*_cache",
    ".hypothesis",
)
# Runs in the copy: its settings (hence LOCALE_PATHS) must be the copy's, never the real tree's.
MAKEMESSAGES_IN_COPY = """
import os, sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
assert [str(p) for p in settings.LOCALE_PATHS] == [os.path.join(os.getcwd(), "locale")]
call_command(
    "makemessages", "-l", "ko", "--no-obsolete", *sys.argv[1:], verbosity=0
)
"""
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*\w+\s*\}\}")


# --- A small .po reader ---------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the messages of a .po file; obsolete (#~) entries are refused."""
    entries: list[Entry] = []
    current: Entry | None = None
    keyword = None
    keyword_line = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')

    def append(kw: str, index: str | None, value: str) -> None:
        if kw == "msgstr":
            slot = int(index) if index is not None else 0
            current.msgstr[slot] = current.msgstr.get(slot, "") + value
        else:
            setattr(current, kw, (getattr(current, kw) or "") + value)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current, keyword = None, None
            continue
        if line.startswith("#~"):
            raise ValueError(f"{path}:{number}: obsolete entry left in the catalogue")
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := keyword_line.match(line):
            kw = match.group(1).split("[")[0]
            keyword = (kw, match.group(2))
            append(kw, match.group(2), ast.literal_eval(match.group(3)))
        else:
            if not (line.startswith('"') and keyword):
                raise ValueError(f"{path}:{number}: cannot read {raw!r}")
            append(*keyword, ast.literal_eval(line))
    header, *messages = entries
    if header.msgid != "":
        raise ValueError(f"{path}: the header entry must come first")
    return header, messages


def header_fields(header: Entry) -> dict[str, str]:
    lines = header.msgstr[0].splitlines()
    return {key.strip(): value.strip() for key, value in (ln.split(":", 1) for ln in lines)}


def msgfmt() -> str:
    path = shutil.which("msgfmt")
    assert path, "GNU gettext's msgfmt is needed (apt-get install gettext); CI installs it"
    return path


def mo_pairs(path: Path) -> dict:
    """The (msgid, msgstr) pairs of a compiled catalogue, as Python's gettext reads them."""
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


# --- (a) The Korean catalogue is complete ---------------------------------------------------


def test_the_korean_header_declares_the_language_charset_and_one_plural_form():
    header, _messages = read_po(KO_PO)
    fields = header_fields(header)

    assert "fuzzy" not in header.flags
    assert fields["Language"] == "ko"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"


def test_every_korean_message_is_translated_and_none_is_fuzzy():
    _header, messages = read_po(KO_PO)

    assert len(messages) > 200
    fuzzy = [m.msgid for m in messages if "fuzzy" in m.flags]
    assert fuzzy == []
    untranslated = [m.msgid for m in messages if not all(m.msgstr.values()) or not m.msgstr]
    assert untranslated == []
    # Korean has one plural form: a plural message carries exactly msgstr[0].
    wrong_forms = [m.msgid for m in messages if m.msgid_plural and set(m.msgstr) != {0}]
    assert wrong_forms == []
    assert any(m.msgid_plural for m in messages)
    # Translations are Korean text, not copies of the English.
    copied = [m.msgid for m in messages if m.msgstr[0] == m.msgid]
    assert copied == []


def test_every_korean_message_keeps_the_placeholders_of_its_msgid():
    _header, messages = read_po(KO_PO)

    for message in messages:
        wanted = sorted(PLACEHOLDER.findall(message.msgid))
        assert sorted(PLACEHOLDER.findall(message.msgstr[0])) == wanted, message.msgid
        if message.msgid_plural:
            assert sorted(PLACEHOLDER.findall(message.msgid_plural)) == wanted, message.msgid


def test_msgfmt_counts_every_korean_message_as_translated_and_finds_no_format_errors(tmp_path):
    _header, messages = read_po(KO_PO)

    result = subprocess.run(
        [msgfmt(), "--check", "--statistics", "-o", str(tmp_path / "ko.mo"), str(KO_PO)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"{len(messages)} translated messages."


def test_the_english_catalogue_is_valid_and_falls_back_to_the_english_msgids(tmp_path):
    header, messages = read_po(EN_PO)
    fields = header_fields(header)

    assert "fuzzy" not in header.flags
    assert fields["Language"] == "en"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert {m.key for m in messages} == {m.key for m in read_po(KO_PO)[1]}
    assert all(not any(m.msgstr.values()) for m in messages)
    result = subprocess.run(
        [msgfmt(), "--check", "-o", str(tmp_path / "en.mo"), str(EN_PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- (b) The committed .mo files are compiled from the committed .po files ------------------


@pytest.mark.parametrize(("po", "mo"), [(KO_PO, KO_MO), (EN_PO, EN_MO)], ids=["ko", "en"])
def test_the_committed_mo_file_is_up_to_date_with_its_po_file(tmp_path, po, mo):
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt(), "--check-format", "-o", str(fresh), str(po)], check=True)

    assert mo.is_file(), f"{mo.relative_to(PROJECT_DIR)} is missing: run make messages"
    assert mo_pairs(mo) == mo_pairs(fresh), "the .mo is stale: run make messages and commit it"


def test_the_compiled_korean_catalogue_translates_singular_and_plural_messages():
    with KO_MO.open("rb") as handle:
        korean = gettext.GNUTranslations(handle)

    assert korean.gettext("Our customer service charter") == "고객 서비스 헌장"
    singular = "We make %(counter)s promise to our customers, and we track every one of them."
    plural = "We make %(counter)s promises to our customers, and we track every one of them."
    for count in (1, 36):
        assert korean.ngettext(singular, plural, count).startswith("저희는 고객께 %(counter)s가지")


# --- The catalogue covers every string of the sources ---------------------------------------


def test_the_catalogue_lists_exactly_the_strings_of_the_sources(tmp_path):
    """makemessages on a copy of the sources finds the same messages as the committed catalogue.

    A string added to the code without `make messages` (and a Korean translation) fails here.
    """
    copy = tmp_path / "src"
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns(*NOT_COPIED))
    subprocess.run(
        [sys.executable, "-c", MAKEMESSAGES_IN_COPY, *(f"--ignore={name}" for name in IGNORED)],
        cwd=copy,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "charter_portal.settings"},
    )

    _header, generated = read_po(copy / "locale" / "ko" / "LC_MESSAGES" / "django.po")
    _header, committed = read_po(KO_PO)
    missing = sorted(m.msgid for m in generated if m.key not in {c.key for c in committed})
    stale = sorted(m.msgid for m in committed if m.key not in {g.key for g in generated})
    assert missing == [], "new strings: run make messages and translate them"
    assert stale == [], "strings no longer in the sources: run make messages"
    assert {m.key: m.flags for m in generated} == {m.key: m.flags - {"fuzzy"} for m in committed}


# --- (c) The pages speak Korean at / and English under /en/ ---------------------------------


def page(response) -> str:
    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.mark.django_db
def test_the_charter_page_speaks_korean_at_the_root(client, charter):
    text = page(client.get("/"))

    assert '<html lang="ko">' in text
    assert "<title>서비스 헌장 포털</title>" in text
    assert "고객 서비스 헌장" in text
    assert "저희는 고객께 38가지 약속을 드리며" in text
    for label in ("본문 바로가기", "기한 시작", "약속 내용", "적용 대상", "로그인", "변경"):
        assert label in text
    assert "모든 시각은 한국 표준시(Asia/Seoul) 기준입니다." in text
    assert "Our customer service charter" not in text
    assert "We make" not in text


@pytest.mark.django_db
def test_the_charter_page_speaks_english_under_en(client, charter):
    text = page(client.get("/en/"))

    assert '<html lang="en">' in text
    assert "Our customer service charter" in text
    assert "We make 38 promises to our customers, and we track every one of them." in text
    assert "Times are shown in Asia/Seoul." in text
    assert "고객 서비스 헌장" not in text
    assert "저희는" not in text


@pytest.mark.django_db
def test_the_admin_login_page_speaks_korean_at_the_root_and_english_under_en(client):
    korean = page(client.get("/admin/login/"))
    english = page(client.get("/en/admin/login/"))

    assert "서비스 헌장 포털 관리" in korean
    assert "Charter Portal administration" not in korean
    assert "Charter Portal administration" in english
