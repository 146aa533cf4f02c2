"""The releases installed are those pyproject.toml allows and requirements/*.lock pins, and the libraries
whose internals the code reaches into are held below their next major release, which still has them.

A library past its bound fails here, naming the code to check against the new release, rather than in
a certificate, an import or a sign-in.
"""

import importlib.metadata
import inspect
import re
import tomllib

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from .conftest import PROJECT_DIR

PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
LOCKS = {"base": PROJECT_DIR / "requirements" / "base.lock", "dev": PROJECT_DIR / "requirements" / "dev.lock"}
RELOCK = "run `make lock` (then `make install`)"

# The libraries held below a release, and what to read again before that bound is raised.
INTERNALS = {
    "weasyprint": "certificates/fontsubset.py replaces Font._harfbuzz_subset: compare it with the new "
                  "release's, then add the release to SUPPORTED_WEASYPRINT (tests/certificates/test_fontsubset.py)",
    "django-import-export": "hubportal/importexport.py subclasses tmp_storages.MediaStorage and overrides "
                           "ImportExportMixin's import steps (write_to_tmp_storage, import_action, ...)",
    "django-allauth": "hubportal/users/lockout.py reads allauth.core.internal.ratelimit; "
                      "hubportal/users/adapters.py overrides DefaultAccountAdapter._get_login_attempts_cache_key",
    "django": "the project is on the 5.2 LTS; Django 6 needs Python 3.12",
}


def requirements(group: str) -> list[Requirement]:
    if group == "base":
        declared = PYPROJECT["project"]["dependencies"]
    else:
        declared = PYPROJECT["project"]["optional-dependencies"][group]
    return [Requirement(text) for text in declared]


def applies(requirement: Requirement, extra: str = "") -> bool:
    return requirement.marker is None or requirement.marker.evaluate({"extra": extra})


def upper_bound(specifier: SpecifierSet) -> bool:
    return any(spec.operator in ("<", "<=", "==", "~=", "===") for spec in specifier)


def read_lock(path) -> dict[str, dict]:
    """name -> {"version", "marker", "hashes"} of a lock written by `uv pip compile --generate-hashes`."""
    pins, current = {}, None
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text = line.rstrip(" \\").strip()
        if line.startswith((" ", "\t")):
            assert current and text.startswith("--hash="), f"{path.name}: {line!r}"
            current["hashes"].append(text.removeprefix("--hash="))
            continue
        requirement, _, marker = text.partition(";")
        name, equals, version = requirement.strip().partition("==")
        assert equals, f"{path.name}: {name} is not pinned with =="
        current = pins[canonicalize_name(name)] = {
            "version": Version(version.strip()), "marker": Marker(marker) if marker.strip() else None, "hashes": []}
    return pins


@pytest.fixture(scope="module")
def locks() -> dict[str, dict[str, dict]]:
    return {name: read_lock(path) for name, path in LOCKS.items()}


# --- What is installed ---------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["base", "dev"])
def test_installed_releases_are_within_the_declared_ranges(group):
    outside = []
    for requirement in requirements(group):
        if not applies(requirement):
            continue
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            outside.append(f"{requirement.name} is not installed ({RELOCK})")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            note = INTERNALS.get(canonicalize_name(requirement.name), "")
            outside.append(f"{requirement.name} {installed} is outside {requirement.specifier}"
                           + (f"; before widening the range: {note}" if note else ""))
    assert not outside, "\n".join(outside)


def test_libraries_whose_internals_the_code_uses_are_bounded():
    declared = {canonicalize_name(r.name): r for r in requirements("base")}
    for name, note in INTERNALS.items():
        assert name in declared, f"{name} is no longer a dependency: remove it from INTERNALS"
        assert upper_bound(declared[name].specifier), f"{name} needs an upper bound in pyproject.toml: {note}"


def test_installed_releases_are_the_locked_ones(locks):
    # `make install` installs requirements/dev.lock: a release installed by hand is not what CI tests.
    differ = []
    for name, pin in locks["dev"].items():
        if pin["marker"] is not None and not pin["marker"].evaluate():
            continue
        try:
            installed = Version(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            differ.append(f"{name} {pin['version']} is not installed")
            continue
        if installed != pin["version"]:
            differ.append(f"{name} {installed} is installed, the lock pins {pin['version']}")
    assert not differ, "run `make install`:\n" + "\n".join(differ)


# --- The lock files ------------------------------------------------------------------------------


@pytest.mark.parametrize("lock, groups", [("base", ["base"]), ("dev", ["base", "dev"])])
def test_every_declared_dependency_is_locked_within_its_range(locks, lock, groups):
    pins = locks[lock]
    problems = []
    for group in groups:
        for requirement in requirements(group):
            if not applies(requirement):
                continue
            name = canonicalize_name(requirement.name)
            if name not in pins:
                problems.append(f"{requirement} is not in requirements/{lock}.lock")
                continue
            if not requirement.specifier.contains(pins[name]["version"], prereleases=True):
                problems.append(f"{lock}.lock pins {name} {pins[name]['version']}, outside {requirement.specifier}")
            # What an extra brings ([s3]: boto3) is locked as well.
            for extra in requirement.extras:
                for needed in importlib.metadata.requires(requirement.name) or []:
                    needed = Requirement(needed)
                    if needed.marker is not None and needed.marker.evaluate({"extra": extra}) and \
                            not needed.marker.evaluate({"extra": ""}) and canonicalize_name(needed.name) not in pins:
                        problems.append(f"{needed.name} (of {requirement.name}[{extra}]) is not in {lock}.lock")
    assert not problems, f"{RELOCK}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lock", ["base", "dev"])
def test_every_pin_has_its_hashes(locks, lock):
    # pip then checks each file it downloads, and refuses a requirement that is not pinned.
    unhashed = [name for name, pin in locks[lock].items() if not pin["hashes"]]
    assert locks[lock] and not unhashed, f"{lock}.lock without hashes: {unhashed} ({RELOCK})"
    for name, pin in locks[lock].items():
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin["hashes"]), name


def test_the_tests_run_the_releases_the_image_ships(locks):
    # The dev lock is resolved within the base one (`make lock`).
    differ = [f"{name}: base {pin['version']}, dev {locks['dev'][name]['version']}"
              for name, pin in locks["base"].items()
              if name not in locks["dev"] or locks["dev"][name]["version"] != pin["version"]]
    assert not differ, f"{RELOCK}:\n" + "\n".join(differ)


# --- The internals themselves: their shape as the code uses it ------------------------------------


def test_weasyprint_still_has_what_certificates_fontsubset_replaces():
    import weasyprint
    from weasyprint.pdf import fonts
    from weasyprint.text import ffi

    from certificates import fontsubset

    note = INTERNALS["weasyprint"]
    assert weasyprint.__version__.startswith(fontsubset.SUPPORTED_WEASYPRINT), note
    # WeasyPrint's own method, as fontsubset found it (the app has put fontsubset's in its place since).
    stock = fontsubset.STOCK
    assert callable(stock) and stock.__module__ == fonts.__name__, note
    assert list(inspect.signature(stock).parameters) == ["self", "to_unicode", "hinting"], note
    font_source = inspect.getsource(fonts.Font)
    for attribute in ("self.hb_face", "self.file_content", "self.missing"):
        assert attribute in font_source, f"Font has no {attribute}: {note}"
    assert hasattr(ffi, "harfbuzz_subset") and hasattr(ffi, "ffi"), note
    # The tables WeasyPrint drops from embedded fonts, which fontsubset drops as well.
    dropped = re.findall(r"b'(.{4})'", inspect.getsource(stock))
    assert sorted(int.from_bytes(tag.encode(), "big") for tag in dropped) == fontsubset._DROPPED_TABLES, note
    # certificates/pdf.py
    from weasyprint import CSS, HTML  # noqa: F401
    from weasyprint.text.fonts import FontConfiguration  # noqa: F401
    from weasyprint.urls import URLFetcher  # noqa: F401


def test_django_import_export_still_has_what_hubportal_importexport_builds_on():
    from import_export import forms
    from import_export.admin import ImportExportMixin, ImportMixin
    from import_export.formats.base_formats import CSV, XLSX, Format
    from import_export.resources import Resource
    from import_export.tmp_storages import MediaStorage

    note = INTERNALS["django-import-export"]
    storage = MediaStorage(name="probe")
    for attribute in ("_storage", "MEDIA_FOLDER", "name", "read_mode"):
        assert hasattr(storage, attribute), f"MediaStorage has no {attribute}: {note}"
    for method in ("save", "read", "remove", "get_full_path"):
        assert callable(getattr(MediaStorage, method, None)), f"MediaStorage.{method}: {note}"
    assert storage.get_full_path() == f"{storage.MEDIA_FOLDER}/probe", note
    for method in ("write_to_tmp_storage", "get_tmp_storage_class", "add_data_read_fail_error_to_form",
                   "get_confirm_form_initial", "get_import_data_kwargs", "process_import", "process_result",
                   "create_import_form", "import_action", "get_import_resource_classes",
                   "get_export_resource_classes", "get_export_resource_kwargs", "get_model_info"):
        assert callable(getattr(ImportExportMixin, method, None)), f"ImportExportMixin.{method}: {note}"
    assert list(inspect.signature(ImportMixin.write_to_tmp_storage).parameters) == [
        "self", "import_file", "input_format"], note
    # The name an upload is stored under, which import_action tags the uploaded file with.
    assert ".tmp_storage_name = " in inspect.getsource(ImportMixin.import_action), note
    for method in ("get_title", "is_binary", "get_read_mode", "can_import", "can_export", "get_extension",
                   "create_dataset"):
        assert callable(getattr(Format, method, None)), f"Format.{method}: {note}"
    for format_class in (CSV, XLSX):
        assert callable(getattr(format_class, "export_data", None)), note
    parameters = inspect.signature(Resource.import_data).parameters
    for name in ("dataset", "dry_run", "raise_errors", "use_transactions", "collect_failed_rows",
                 "rollback_on_validation_errors"):
        assert name in parameters, f"Resource.import_data({name}): {note}"
    assert forms.ImportForm and forms.ConfirmImportForm


def test_allauth_still_has_what_the_sign_in_lock_out_reads():
    from allauth.account.adapter import DefaultAccountAdapter
    from allauth.core import context
    from allauth.core.internal import ratelimit

    note = INTERNALS["django-allauth"]
    for name in ("get_rates", "get_cache_key", "consume", "clear"):
        assert callable(getattr(ratelimit, name, None)), f"ratelimit.{name}: {note}"
    assert {"request", "app", "action", "rate", "key"} <= set(inspect.signature(ratelimit.get_cache_key).parameters)
    assert {"app", "action"} <= set(inspect.signature(ratelimit.get_rates).parameters), note
    rate = ratelimit.parse_rate("10/15m/key")
    assert (rate.amount, rate.duration, rate.per) == (10, 15 * 60, "key"), note
    for method in ("_get_login_attempts_cache_key", "pre_authenticate", "get_client_ip", "send_mail"):
        assert callable(getattr(DefaultAccountAdapter, method, None)), f"DefaultAccountAdapter.{method}: {note}"
    # allauth calls the key method both to count failed sign-ins and to clear them after a reset.
    assert "_get_login_attempts_cache_key" in inspect.getsource(DefaultAccountAdapter.pre_authenticate), note
    with context.request_context("the request"):
        assert context.request == "the request", note
