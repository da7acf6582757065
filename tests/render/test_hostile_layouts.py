"""Layouts, caches and publish.toml as hostile input: a template gets plain data and can run nothing, a cache
entry is data that must carry this user's signature, publish.toml is read through the sandbox."""
from __future__ import annotations

import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_project, outputs, run_publish, snapshot
from handout.load.book import load_book
from handout.config.settings import load_config
from handout.core.errors import InputError
from handout.targets.epub.render import render_epub
from handout.targets.pdf.render import render_print

CANARY = "CANARY-OUTSIDE-4d1e9b"


@pytest.fixture
def project(tmp_path) -> Path:
    root = make_project(tmp_path / "project")
    (tmp_path / "secret.txt").write_text(CANARY + "\n")
    return root


def _render_with(project: Path, snippet: str, template: str = "partials/title_block.html") -> str:
    """Render the print document and the EPUB pages with `snippet` added at the top of a partial."""
    path = project / "layouts" / template
    path.write_text(snippet + "\n" + path.read_text())
    book = load_book(load_config(project), use_cache=False)
    html = render_print(book, book.config.clinic)
    pages, _, _ = render_epub(book, book.config.clinic)
    return html + "".join(page.content.decode() for page in pages)


# Each reaches from what a template is given towards Python's internals, a shell or a file.
ESCAPES = {
    "globals of a helper": "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "globals of namespace": "{{ namespace.__init__.__globals__['os'].system('touch MARKER') }}",
    "joiner globals": "{{ joiner.__init__.__globals__ }}",
    "class of the config": "{{ config.__class__.__mro__ }}",
    "subclasses of object": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "a mapping method": "{{ config.items() }}",
    "attr filter to a method": "{{ (config|attr('keys'))() }}",
    "str.format reaching attributes": "{{ '{0.__class__}'.format(config) }}",
    "a string method": "{{ config.title.upper() }}",
    "the template's context": "{{ self._TemplateReference__context }}",
    "lipsum's globals": "{{ lipsum.__globals__ }}",
    "range's call": "{{ range.__call__ }}",
    "the loader": "{{ self.__init__ }}",
    "a path's file": "{{ chapters[0].path.read_text() }}",
    "the project root": "{{ book.root.parent.joinpath('secret.txt').read_text() }}",
    "the config file": "{{ config.path.read_text() }}",
    "a huge string": "{{ 'x' * 10000000000 }}",
    "a huge power": "{{ 10 ** 10000000 }}",
    "a huge filter width": "{{ 'x'|center(10000000000) }}",
    "a string doubled in a namespace": ("{% set ns = namespace(s='xx') %}{% for i in range(64) %}"
                                        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"),
    "a list grown by +": ("{% set ns = namespace(s=[1]) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
                          "{% endfor %}"),
    "a macro calling itself": "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
}


@pytest.mark.parametrize("case", list(ESCAPES))
def test_a_layout_reaching_past_its_data_is_refused_naming_the_template_and_line(case, project, tmp_path):
    os.chdir(tmp_path)  # a `touch MARKER` that ran would leave the marker here
    with pytest.raises(InputError) as raised:
        html = _render_with(project, ESCAPES[case])
        assert CANARY not in html  # pragma: no cover (the render must not get this far)
    assert raised.value.path is not None and raised.value.path.name == "title_block.html", raised.value
    assert raised.value.line in {1, None} or case == "a macro calling itself", raised.value.format(project)
    assert not (tmp_path / "MARKER").exists()


def test_layouts_see_plain_data_and_the_handout_still_renders(project):
    html = _render_with(project, "{{ config.title }} {{ config.review.last_reviewed|long_date }}"
                                 " {{ clinic.address|lines|length }} {{ chapters|map(attribute='slug')|join(',') }}")
    assert "November 1, 2026" in html or "2026" in html
    assert "welcome,steps" in html


@pytest.mark.slow
def test_a_template_loop_past_the_time_limit_is_stopped_naming_the_template(project):
    config = project / "publish.toml"
    config.write_text(config.read_text().replace("[limits]", "[limits]\nlayout_seconds = 1")
                      if "[limits]" in config.read_text() else config.read_text() + "\n[limits]\nlayout_seconds = 1\n")
    block = project / "layouts" / "partials" / "title_block.html"
    block.write_text("{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}\n"
                     + block.read_text())
    (project / "dist").mkdir()
    (project / "dist" / "kept.txt").write_text("previous output")
    started = time.monotonic()
    result = run_publish(project, "--no-epub")
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "error: layouts/partials/title_block.html:1: rendering the layout print.html took longer than 1 s" \
        in result.stderr, result.stderr
    assert "limits.layout_seconds" in result.stderr
    assert elapsed < 1 + 30, elapsed  # the limit plus start-up, checks and a margin for a loaded machine
    assert (project / "dist" / "kept.txt").read_text() == "previous output"


def test_the_time_limit_names_the_partial_even_when_the_alarm_lands_in_the_including_layout(tmp_path):
    """Jinja's include loops over the partial's output in the including template's frame, so the alarm
    may interrupt that frame while the partial's is suspended: the partial is still the one named."""
    import jinja2

    from handout.render.layouts import _interrupted_template

    (tmp_path / "partials").mkdir()
    (tmp_path / "page.html").write_text("<p>\n{% include 'partials/loop.html' %}\n</p>\n")
    (tmp_path / "partials" / "loop.html").write_text("one\n{% for i in range(10) %}{{ i }}{% endfor %}\n")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    template = env.get_template("page.html")
    events = template.root_render_func(template.new_context({}))
    for _ in range(4):  # into the partial's loop; the including layout's generator is suspended around it
        next(events)
    path, line = _interrupted_template(events.gi_frame, [tmp_path])
    assert path == tmp_path / "partials" / "loop.html"
    assert env.get_template("partials/loop.html").get_corresponding_lineno(line) == 2
    assert _interrupted_template(None, [tmp_path]) == (None, None)


@pytest.mark.slow
def test_a_layout_that_runs_a_command_end_to_end_runs_nothing_and_leaks_nothing(project, tmp_path):
    marker = tmp_path / "MARKER"
    base = project / "layouts" / "base.html"
    base.write_text(base.read_text().replace(
        "{% block body %}",
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}"
        "{{ book.root.parent.joinpath('secret.txt').read_text() }}{% block body %}", 1))
    result = run_publish(project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "error: layouts/base.html:" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()
    assert not (project / "dist").exists() or not any(
        CANARY.encode() in content for content in snapshot(project / "dist").values())


# ---- the cache ---------------------------------------------------------------------------------------------

def _chapter_key(project: Path, name: str = "01-welcome.md") -> str:
    from handout.load.book import Problems, chapter_key, conversion_words
    from handout.load.cache import ChapterCache

    path = project / "chapters" / name
    return chapter_key(ChapterCache(project), path, path.read_bytes(), conversion_words(project, "en-US", Problems()))


class _Command:
    """A pickle that runs a command when it is loaded."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


@pytest.mark.slow
def test_a_crafted_cache_runs_nothing_and_is_rebuilt(project, tmp_path):
    marker = tmp_path / "MARKER"
    command = f"touch {marker}"
    cache = project / ".cache"
    # The shapes earlier versions read: a pickled chapter and Jinja's marshalled bytecode.
    (cache / "chapters").mkdir(parents=True)
    (cache / "chapters" / f"{_chapter_key(project)}.pickle").write_bytes(pickle.dumps(_Command(command)))
    import jinja2

    bytecode = jinja2.FileSystemBytecodeCache(str(cache / "jinja"))
    (cache / "jinja").mkdir()
    for template in (project / "layouts").rglob("*.*"):
        name = template.relative_to(project / "layouts").as_posix()
        bucket = jinja2.bccache.Bucket(jinja2.Environment(), bytecode.get_cache_key(name, str(template)),
                                       bytecode.get_source_checksum(template.read_text()))
        bucket.code = compile(f"import os; os.system({command!r})", "evil", "exec")
        bytecode.dump_bytecode(bucket)
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()


@pytest.mark.slow
def test_compiled_templates_are_loaded_only_with_this_users_signature(project, tmp_path):
    """Bytecode is kept in the user's cache folder, signed: a file put there unsigned, or signed with another
    key, is compiled again, not run."""
    import jinja2

    from handout.render.layouts import LayoutEnvironment

    marker = tmp_path / "MARKER"
    user_cache = tmp_path / "user-cache"
    folder = user_cache / "handout" / "jinja"
    folder.mkdir(parents=True)
    probe = jinja2.FileSystemBytecodeCache(str(folder), "%s.cache")
    loader = jinja2.FileSystemLoader(str(project / "layouts"))
    keys = {}
    for template in (project / "layouts").rglob("*.*"):
        if template.suffix == ".toml":  # the layout strings (layouts/i18n/), data rather than templates
            continue
        name = template.relative_to(project / "layouts").as_posix()
        _, filename, _ = loader.get_source(LayoutEnvironment(), name)
        bucket = jinja2.bccache.Bucket(LayoutEnvironment(), probe.get_cache_key(name, filename),
                                       probe.get_source_checksum(template.read_text()))
        bucket.code = compile(f"import os; os.system('touch {marker}')", "evil", "exec")
        payload = bucket.bytecode_to_string()
        (folder / f"{bucket.key}.cache").write_bytes(b"0" * 64 + b"\n" + payload)
        keys[name] = bucket.key
    result = run_publish(project, "--no-pdf", env={"XDG_CACHE_HOME": str(user_cache)})
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    # Every template this build rendered was compiled again and signed (a layout it did not need, such as the
    # desk sheet's, keeps the planted file, which is never run either).
    for name in ("base.html", "partials/chapter.html", "epub/chapter.xhtml", "web/index.html"):
        assert not (folder / f"{keys[name]}.cache").read_bytes().startswith(b"0" * 64), name


@pytest.mark.slow
def test_a_cache_entry_signed_by_another_key_is_ignored_and_replaced(project, tmp_path):
    from handout.load.cache import encode
    from handout.core.store import signing_key

    result = run_publish(project, "--no-pdf")
    assert result.returncode == 0, result.stderr
    entry = project / ".cache" / "chapters" / f"{_chapter_key(project)}.json"
    good = entry.read_bytes()
    signature, payload = good.split(b"\n", 1)
    assert len(signature) == 64 and signing_key() is not None
    # The same chapter, its HTML swapped for something the sanitizer would never let through, and signed with
    # a key that is not this user's (a project shared with its .cache/).
    forged = payload.replace(b"<p>", f"<p><script>{CANARY}</script>".encode(), 1)
    import hashlib
    import hmac

    other = hmac.new(b"another machine's key" * 2, entry.name.encode() + b"\0" + forged, hashlib.sha256)
    entry.write_bytes(other.hexdigest().encode() + b"\n" + forged)
    (project / "chapters" / "02-steps.md").write_text((project / "chapters" / "02-steps.md").read_text() + "\nMore.\n")
    result = run_publish(project, "--no-pdf")
    assert result.returncode == 0, result.stderr
    epub = outputs(project)[1].read_bytes()
    import zipfile

    with zipfile.ZipFile(outputs(project)[1]) as archive:
        assert not any(CANARY.encode() in archive.read(name) for name in archive.namelist()), len(epub)
    assert entry.read_bytes() == good  # converted again and stored under this user's signature
    assert encode((1, Path("x"))) == {"$tuple": [1, {"$path": "x"}]}


def test_cache_entries_that_are_not_regular_files_are_not_read(project):
    from handout.load.cache import ChapterCache

    folder = project / ".cache" / "chapters"
    folder.mkdir(parents=True)
    key = _chapter_key(project)
    os.mkfifo(folder / f"{key}.json")  # reading a pipe would wait for ever
    assert ChapterCache(project).get(key) is None
    (folder / f"{key}.json").unlink()
    (folder / f"{key}.json").symlink_to("/dev/zero")
    assert ChapterCache(project).get(key) is None


@pytest.mark.slow
def test_a_cache_folder_leading_out_of_the_project_is_neither_read_nor_written(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / ".cache").symlink_to(elsewhere)
    result = run_publish(project, "--no-pdf")
    assert result.returncode == 0, result.stderr
    assert list(elsewhere.iterdir()) == []


# ---- publish.toml --------------------------------------------------------------------------------------

def _refused(project: Path, where: str, words: str) -> None:
    result = run_publish(project, "--no-pdf")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {where}") and words in errors[0], errors


def test_a_publish_toml_that_links_out_of_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text((project / "publish.toml").read_text().replace('description = "', f'description = "{CANARY} '))
    (project / "publish.toml").unlink()
    (project / "publish.toml").symlink_to(outside)
    _refused(project, "publish.toml", "outside the project")
    assert not (project / "dist").exists() or not any(
        CANARY.encode() in content for content in snapshot(project / "dist").values())


def test_an_oversized_publish_toml_is_refused_before_parsing(project):
    config = project / "publish.toml"
    config.write_text(config.read_text() + "\n# padding\n" + ("#" * 999 + "\n") * 1100)
    started = time.monotonic()
    _refused(project, "publish.toml", "over the limit")
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("text", ["deep = " + "[" * 5000 + "]" * 5000,
                                  "deep = " + "{a = " * 3000 + "1" + "}" * 3000,
                                  "x." * 2000 + "y = 1"])
def test_deeply_nested_toml_is_refused(project, text):
    config = project / "publish.toml"
    config.write_text(text + "\n" + config.read_text())
    with pytest.raises(InputError) as raised:
        load_config(project)
    assert "nested" in raised.value.message and raised.value.path.name == "publish.toml"


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "2026-00-10", "0000-01-01"])
def test_an_impossible_review_date_is_refused_at_its_line(project, value):
    config = project / "publish.toml"
    text = config.read_text()
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("last_reviewed"))
    config.write_text("\n".join(f"last_reviewed = {value}" if n == line else raw
                                for n, raw in enumerate(text.splitlines(), 1)) + "\n")
    with pytest.raises(InputError) as raised:
        load_config(project)
    assert raised.value.line == line, raised.value.format(project)


# ---- property-based: publish.toml and layouts never give an internal error --------------------------------

TOML_VALUES = st.one_of(
    st.integers(-10**20, 10**20), st.booleans(), st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3),
    st.just("2026-02-30"), st.just("1979-05-27T07:32:00Z"), st.floats(allow_nan=True),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _toml_value(value) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf")
                                             else repr(value))
    if isinstance(value, str) and value in {"2026-02-30", "1979-05-27T07:32:00Z"}:
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {v}" for k, v in value.items()) + "}"
    return json.dumps(value)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_publish_toml_is_read_or_refused_never_an_internal_error(tmp_path_factory, data):
    project = _shared_project(tmp_path_factory)
    lines = (project / "publish.toml.orig").read_text().splitlines()
    setting_lines = [n for n, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    for _ in range(data.draw(st.integers(1, 4))):
        n = data.draw(st.sampled_from(setting_lines))
        key = lines[n].split("=", 1)[0]
        action = data.draw(st.sampled_from(["value", "drop", "raw", "duplicate"]))
        if action == "value":
            lines[n] = f"{key}= {_toml_value(data.draw(TOML_VALUES))}"
        elif action == "drop":
            lines[n] = ""
        elif action == "raw":
            lines[n] = data.draw(st.text(max_size=40))
        else:
            lines.insert(n, lines[n])
    (project / "publish.toml").write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    try:
        load_config(project)
    except InputError as error:
        assert error.message and error.path is not None


TEMPLATE_PIECES = st.sampled_from([
    "{{ ", " }}", "{% ", " %}", "{% if ", "{% endif %}", "{% for x in ", "{% endfor %}", "{% set y = ",
    "config", "config.title", "config.review", "chapters", "chapters[0]", "book.references", "clinic",
    ".", "[", "]", "(", ")", "|", "length", "join", "upper", "center(", "attr(", "'__class__'", "__class__",
    "_x", "1", "0", "-1", "10**9", "*", "+", "~", "'a'", "\"\"", ",", " ", "range(", "loop.index", "x", "y",
    "{% macro m() %}", "{% endmacro %}", "m()", "super()", "self", "namespace(", "cycler(", "joiner(",
    "{% include ", "'partials/toc.html'", "'../publish.toml'", "{% extends ", "{% block body %}",
    "{% endblock %}", "long_date", "lines", "format(", "items()", "{#", "#}", "\n", "link(", "dict(",
])


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(pieces=st.lists(TEMPLATE_PIECES, min_size=1, max_size=25))
def test_any_layout_renders_or_is_refused_never_an_internal_error(tmp_path_factory, pieces):
    from handout.render.layouts import Layouts
    from handout.targets import PRINT

    project = _shared_project(tmp_path_factory)
    (project / "layouts" / "fuzz.html").write_text("".join(pieces))
    book = _shared_book(project)
    layouts = Layouts(project, PRINT, link=lambda anchor: f"#{anchor}", seconds=5)
    try:
        layouts.render("fuzz.html", book=book, config=book.config, clinic=book.config.clinic,
                       chapters=book.chapters, stylesheets=(), draft=False)
    except InputError as error:
        assert error.path is not None and error.path.name in {"fuzz.html", "toc.html", "print.html"}, error


_SHARED: dict[str, object] = {}


def _shared_project(tmp_path_factory) -> Path:
    if "project" not in _SHARED:
        root = make_project(tmp_path_factory.mktemp("fuzz"))
        shutil.copy(root / "publish.toml", root / "publish.toml.orig")
        _SHARED["project"] = root
    return _SHARED["project"]  # type: ignore[return-value]


def _shared_book(project: Path):
    if "book" not in _SHARED:
        shutil.copy(project / "publish.toml.orig", project / "publish.toml")
        _SHARED["book"] = load_book(load_config(project), use_cache=False)
    return _SHARED["book"]


def test_an_oversized_epub_stylesheet_is_refused_before_it_is_parsed(project):
    from handout.core.sandbox import STYLESHEET_BYTES, check_epub_stylesheet

    sheet = project / "assets" / "css" / "epub.css"
    sheet.write_text("/* padding */\n" + "a{}" * (STYLESHEET_BYTES // 3 + 10))
    with pytest.raises(InputError) as raised:
        check_epub_stylesheet(sheet, project)
    assert "over the limit" in raised.value.message and raised.value.path == sheet


def test_a_repeated_alarm_carries_where_the_first_one_stopped_the_work():
    """The alarm repeats every half second; a repeat that lands while the first is still unwinding (here in
    a slow `finally`) must not replace where the work was with where the unwinding happened to be."""
    from handout.core.errors import InputError
    from handout.core.limits import time_limit

    def work():
        try:
            while True:  # the first alarm lands in this loop
                pass
        finally:
            end = time.monotonic() + 2
            while time.monotonic() < end:  # the repeat lands here
                pass

    with pytest.raises(InputError) as stopped:
        with time_limit(0.05, "working", locate=lambda frame: (frame.f_code.co_name, frame.f_lineno)):
            work()
    name, line = stopped.value.__context__.where
    assert name == "work"
    assert line == work.__code__.co_firstlineno + 2
    assert "working took longer than 0.05 s" in stopped.value.message
