"""Bad input: exit 2, a one-line message naming the file (and line), no traceback, dist/ untouched."""
from __future__ import annotations

import base64
import os
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import REPO, make_project, outputs, pdf_text, run_publish, snapshot


# A file outside the project, holding a token that must never reach an output. "SECRET" in a case stands for
# its path.
TOKEN = b"OUTSIDE-THE-PROJECT-7f3a9c"


def _secret(project: Path) -> str:
    return str(project.parent / "secret.txt")


def _replace(path: str, old: str, new: str):
    def change(project: Path):
        file = project / path
        text = file.read_text()
        assert old in text, (path, old)
        file.write_text(text.replace(old, new.replace("SECRET", _secret(project)), 1))
    return change


def _write(path: str, content: str | bytes):
    def change(project: Path):
        file = project / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            file.write_text(content.replace("SECRET", _secret(project)))
        else:
            file.write_bytes(content)
    return change


def _append(path: str, text: str):
    def change(project: Path):
        file = project / path
        file.write_text(file.read_text() + text.replace("SECRET", _secret(project)))
    return change


def _symlink(path: str, target: str):
    def change(project: Path):
        (project / path).unlink(missing_ok=True)
        (project / path).symlink_to(target.replace("SECRET", _secret(project)))
    return change


def _link_outside(path: str, content: str | None = None):
    """Move the project's `path` (or write `content`) to a folder beside the project, holding the token, and
    leave a link to it in its place: a build that followed the link would publish the token."""
    def change(project: Path):
        file = project / path
        outside = project.parent / "outside" / file.name
        outside.parent.mkdir(exist_ok=True)
        text = content if content is not None else file.read_text()
        marker = {".html": "<!-- {} -->", ".css": "/* {} */", ".yaml": "# {}", ".txt": "# {}"}.get(file.suffix, "{}")
        outside.write_text(text + "\n" + marker.format(TOKEN.decode()) + "\n")
        file.unlink(missing_ok=True)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.symlink_to(outside)
    return change


def _svg(body: str, prolog: str = "") -> str:
    return (f'{prolog}<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="0 0 300 60" role="img"><title>Three steps</title>{body}</svg>')


def _big_png(path: str):
    def change(project: Path):
        from PIL import Image
        Image.new("1", (2000, 2000)).save(project / path)  # 4 megapixels, a few kilobytes
    return change


def _noise_png(path: str, side: int = 700):
    def change(project: Path):
        from PIL import Image
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(project / path)  # ~1.5 MB
    return change


def _long_chapter(path: str, parts: int = 240):
    """A plain chapter long enough (about 150 kB, 100 pages) that laying it out takes seconds."""
    def change(project: Path):
        lines = ["---", "title: A long chapter", "---", ""]
        for number in range(1, parts + 1):
            lines += [f"## Part {number}", "", "You can ask the nurse about your plan. " * 8, "",
                      "You can ask the nurse about your plan. " * 8, ""]
        (project / path).write_text("\n".join(lines))
    return change


def _data_image(svg: str, encoding: str) -> str:
    if encoding == "base64":
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return "data:image/svg+xml;charset=utf-8," + quote(svg)


def _added(markdown: str, message: str):
    """A case: `markdown` added as the last paragraph of the steps chapter, refused there with `message`."""
    return _append(STEPS, f"\n{markdown}\n"), f"{STEPS}:23", message


def _limit(setting: str):
    return _replace("publish.toml", "[crisis]", f"[limits]\n{setting}\n\n[crisis]")


def _many(*changes):
    def change(project: Path):
        for one in changes:
            one(project)
    return change


def _empty_chapters(project: Path):
    for file in (project / "chapters").iterdir():
        file.unlink()


FORCE = {"args": ("--force",)}  # the file is none the build hashes to see what changed: rebuild anyway


def _epoch(value: str) -> dict:
    return {"env": {"SOURCE_DATE_EPOCH": value}}



TITLE_BLOCK = "layouts/partials/title_block.html"


def _theme_line(name: str, text: str) -> int:
    """The line of `text` in a file of the built-in theme (the layouts change; the message names the line)."""
    return next(number for number, line in enumerate((REPO / name).read_text().splitlines(), 1) if text in line)

BAD_INPUTS = {
    # name: (change, file named in the message, text in the message[, how to run the build])
    "invalid YAML front matter": (_replace("chapters/02-steps.md", "short_title: Steps", "short_title: [Steps"),
                                  "chapters/02-steps.md:3", "invalid YAML front matter"),
    "front matter without title": (_replace("chapters/02-steps.md", "title: The steps to follow\n", ""),
                                   "chapters/02-steps.md:2", "no 'title'"),
    "no front matter": (_replace("chapters/03-words.md", "---\ntitle: Words to know\nrole: glossary\n---\n", ""),
                        "chapters/03-words.md:1", "missing YAML front matter"),
    "config missing required key": (_replace("publish.toml", 'publisher = "Sample Community Clinic"\n', ""),
                                    "publish.toml", "missing required key 'publisher'"),
    "config wrong type": (_replace("publish.toml", 'version = "1.0"', "version = 1.0"),
                          "publish.toml:11", "'version' must be a string"),
    "config bad date": (_replace("publish.toml", "last_reviewed = 2026-11-01", 'last_reviewed = "soon"'),
                        "publish.toml:18", "'review.last_reviewed' must be a date"),
    "config invalid TOML": (_replace("publish.toml", 'version = "1.0"', 'version = "1.0'),
                            "publish.toml:11", "invalid TOML"),
    "image that does not exist": (_replace("chapters/01-welcome.md", "steps.svg", "missing.svg"),
                                  "chapters/01-welcome.md:14", "image '../assets/figures/missing.svg' not found"),
    "image without alt text": (_replace("chapters/01-welcome.md", "![Three boxes in a row, labelled Ask, Plan and Check.]",
                                        "![]"), "chapters/01-welcome.md:14", "has no alt text"),
    "link to a missing chapter": (_replace("chapters/02-steps.md", "(01-welcome.md)", "(07-nowhere.md)"),
                                  "chapters/02-steps.md:21", "points to a chapter that does not exist"),
    "link to a missing anchor": (_replace("chapters/01-welcome.md", "02-steps.md#the-steps", "02-steps.md#nope"),
                                 "chapters/01-welcome.md:12", "points to an anchor that does not exist"),
    "citation without a reference": (_replace("chapters/01-welcome.md", "[@guide]", "[@nobody]"),
                                     "chapters/01-welcome.md:7", "citation '@nobody'"),
    "undefined layout variable": (_replace("layouts/partials/chapter.html", "{{ chapter.title }}</h1>",
                                           "{{ chapter.titel }}</h1>"),
                                  "layouts/partials/chapter.html:4", "undefined layout variable"),
    "misspelt layout variable": (_replace("layouts/partials/title_block.html", "{{ config.title }}",
                                          "{{ confg.title }}"),
                                 f"{TITLE_BLOCK}:{_theme_line(TITLE_BLOCK, '{{ config.title }}')}",
                                 "'confg' is undefined"),
    "layout syntax error": (_replace("layouts/partials/toc.html", "{% endfor %}", "{% endfo %}"),
                            "layouts/partials/toc.html", "template syntax error"),
    "chapter not UTF-8": (_write("chapters/02-steps.md", "---\ntitle: Caf\u00e9\n---\nline two\n".encode("latin-1")),
                          "chapters/02-steps.md:2", "not UTF-8"),
    "empty chapters folder": (_empty_chapters, "chapters", "no chapters"),
    "unclosed box": (_replace("chapters/02-steps.md", "[@guide; @survey].\n:::", "[@guide; @survey]."),
                     "chapters/02-steps.md:17", "never closed"),
    "unknown box": (_replace("chapters/02-steps.md", "::: callout", "::: sidebar"),
                    "chapters/02-steps.md:17", "unknown box '::: sidebar'"),
    "badly named chapter": (_write("chapters/intro.md", "---\ntitle: x\n---\n"), "chapters/intro.md",
                            "NN-slug.md"),
    "raw HTML not well formed": (_replace("chapters/02-steps.md", "Go back", "Go <em>back"),
                                 "chapters/02-steps.md", "<em> is never closed: end it with </em>"),
}

STEPS = "chapters/02-steps.md"
SVG = "assets/figures/steps.svg"
HOSTILE = {
    "script element": (_append(STEPS, "\n<script>alert(1)</script>\n"), f"{STEPS}:23", "<script> element"),
    "iframe element": (_append(STEPS, "\nSee <iframe src='https://example.com'></iframe>\n"), f"{STEPS}:23",
                       "<iframe> element"),
    "object element": (_append(STEPS, "\n<object data='x.swf'></object>\n"), f"{STEPS}:23", "<object> element"),
    "embed element": (_append(STEPS, "\nA <embed src='x.swf'/> b\n"), f"{STEPS}:23", "<embed> element"),
    "form element": (_append(STEPS, "\n<form action='https://example.com'><input name='q'/></form>\n"),
                     f"{STEPS}:23", "<form> element"),
    "event handler attribute": (_append(STEPS, "\nHi <span onclick='steal()'>there</span>\n"), f"{STEPS}:23",
                                "attribute onclick="),
    "javascript URL in raw link": (_append(STEPS, "\n<a href='javascript:alert(1)'>x</a>\n"), f"{STEPS}:23",
                                   'href="javascript:alert(1)"'),
    "vbscript URL in raw link": (_append(STEPS, "\n<a href='vbscript:msgbox(1)'>x</a>\n"), f"{STEPS}:23",
                                 'href="vbscript:msgbox(1)"'),
    "javascript URL in Markdown link": (_append(STEPS, "\n[click](javascript:alert(1))\n"), f"{STEPS}:23",
                                        "is not allowed"),
    "file URL in raw link": (_append(STEPS, "\n<a href='file://SECRET'>x</a>\n"), f"{STEPS}:23", "href="),
    "style attribute with url()": (_append(STEPS, "\n<span style='background: url(file://SECRET)'>x</span>\n"),
                                   f"{STEPS}:23", "attribute style="),
    "raw image outside the project": (_append(STEPS, "\n<img src='SECRET' alt='x'/>\n"), f"{STEPS}:23",
                                      "raw <img>"),
    "data URL that is not an image": (_append(STEPS, "\n![x](data:text/html;base64,PHNjcmlwdD4=)\n"),
                                      f"{STEPS}:23", "data:text/html"),
    "SVG with an entity declaration": (_write(SVG, _svg("<text>&x;</text>", '<?xml version="1.0"?>\n'
                                                        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file://SECRET">]>\n')),
                                       f"{SVG}:1", "DOCTYPE or entities"),
    "SVG with a script": (_write(SVG, _svg("<script>alert(1)</script>")), f"{SVG}:1", "<script> is not allowed"),
    "SVG with an external image": (_write(SVG, _svg('<image href="file://SECRET" width="9" height="9"/>')),
                                   f"{SVG}:1", "points outside the file"),
    "SVG with an xlink to the web": (_write(SVG, _svg('<use xlink:href="https://example.com/a.svg#x"/>')),
                                     f"{SVG}:1", "points outside the file"),
    "SVG style importing CSS": (_write(SVG, _svg('<style>@import url("https://example.com/x.css");</style>')),
                                f"{SVG}:1", "may not @import"),
    "SVG event handler": (_write(SVG, _svg('<rect width="9" height="9" onload="alert(1)"/>')), f"{SVG}:1",
                          "event attribute 'onload'"),
    "SVG that is not XML": (_write(SVG, "<svg><rect></svg>"), f"{SVG}:1", "not a well-formed SVG"),
    "image symlinked outside the project": (_symlink(SVG, "SECRET"), "chapters/01-welcome.md:14", "sandbox"),
    "chapter over the size limit": (_many(_limit("chapter_kb = 1"), _append(STEPS, "\n" + "Plain words. " * 200)),
                                    STEPS, "over the limit"),
    "layout font outside the project": (_replace("assets/css/print.css", "/* Print additions",
                                                 '@font-face { font-family: X; src: url("file://SECRET"); }\n'
                                                 'html { font-family: X; }\n/* Print additions'),
                                        "assets/css/print.css:1", "outside the project"),
    "front matter that is a list": (_replace("chapters/03-words.md", "title: Words to know\nrole: glossary",
                                             "- title\n- role"), "chapters/03-words.md:2", "front matter must be"),
    "references that are not YAML": (_write("chapters/references.yaml", "guide: [unclosed\n"),
                                      "chapters/references.yaml:2", "invalid YAML"),
    "limits that are not numbers": (_replace("publish.toml", "[crisis]", '[limits]\nrender_seconds = "soon"\n\n[crisis]'),
                                    "publish.toml", "'limits.render_seconds' must be a whole number"),
    "raw link to an absolute path": _added('<a href="/etc/passwd">x</a>', 'link href="/etc/passwd"'),
    "raw link climbing out of the project": _added('<a href="../../../../etc/shadow">x</a>',
                                                   "[text](02-steps.md#anchor)"),
    "raw link to another chapter": _added('<a href="01-welcome.md">x</a>', "link another chapter in Markdown"),
    "raw link without a host": _added('<a href="https:/etc/passwd">x</a>', 'link href="https:/etc/passwd"'),
    "style attribute on a span": _added('Hi <span style="text-align:left">there</span>',
                                        "may not carry style attributes"),
    "data: SVG loading the web (base64)": _added(
        "![A box.](" + _data_image(_svg('<image href="http://example.com/x.png"/>'), "base64") + ' "A box.")',
        "data: image: SVG reference 'http://example.com/x.png'"),
    "data: SVG with a script (percent-encoded)": _added(
        "![A box.](" + _data_image(_svg("<script>alert(1)</script>"), "percent") + ' "A box.")',
        "data: image: SVG element <script>"),
    "data: SVG declaring an entity": _added(
        "![A box.](" + _data_image('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
                                   + _svg("<text>&x;</text>"), "base64") + ' "A box.")', "DOCTYPE or entities"),
    "data: image that is not base64": _added("![A box.](data:image/png;base64,%%%%)", "not valid base64"),
}

LINKS = {
    "chapter linking outside": (_link_outside("chapters/05-leak.md", "---\ntitle: Leak\n---\n\nA short page."),
                                "chapters/05-leak.md", "refused: it is a link to"),
    "references linking outside": (_link_outside("chapters/references.yaml"), "chapters/references.yaml",
                                   "refused: it is a link to"),
    "jargon list linking outside": (_link_outside("chapters/jargon.txt", "ketamine"), "chapters/jargon.txt",
                                    "refused: it is a link to"),
    "layout linking outside": (_link_outside("layouts/partials/chapter.html"), "layouts/partials/chapter.html",
                               "refused: it is a link to"),
    "top layout linking outside": (_link_outside("layouts/print.html"), "layouts/print.html",
                                   "refused: it is a link to"),
    "stylesheet linking outside": (_link_outside("assets/css/print.css"), "assets/css/print.css",
                                   "refused: it is a link to"),
    "imported stylesheet linking outside": (_many(_symlink("assets/css/extra.css", "SECRET"),
                                                  _replace("assets/css/print.css", "/* Print additions",
                                                           '@import "extra.css";\n/* Print additions')),
                                            "assets/css/extra.css", "refused: it is a link to"),
    "chapter that is a folder": (lambda project: (project / "chapters" / "05-dir.md").mkdir(),
                                 "chapters/05-dir.md", "is a folder", FORCE),
    "chapter that is a broken link": (_symlink("chapters/05-gone.md", "SECRET-gone"), "chapters/05-gone.md",
                                      "link", FORCE),
    "chapter that is a broken link inside": (_symlink("chapters/05-gone.md", "06-nowhere.md"),
                                             "chapters/05-gone.md", "broken link", FORCE),
}

ENVIRONMENT = {
    "SOURCE_DATE_EPOCH out of range": (lambda project: None, "SOURCE_DATE_EPOCH", "out of range",
                                       _epoch("99999999999999")),
    "SOURCE_DATE_EPOCH not a number": (lambda project: None, "SOURCE_DATE_EPOCH", "whole number", _epoch("soon")),
    "SOURCE_DATE_EPOCH in other digits": (lambda project: None, "SOURCE_DATE_EPOCH", "whole number",
                                          _epoch("\u00b2\u00b3")),
    "SOURCE_DATE_EPOCH negative": (lambda project: None, "SOURCE_DATE_EPOCH", "whole number", _epoch("-1")),
}

LIMITS = {
    "image over the byte limit": (_many(_limit("image_mb = 1"), _noise_png("assets/figures/noise.png"),
                                        _replace("chapters/01-welcome.md", "steps.svg", "noise.png")),
                                  "assets/figures/noise.png", "over the limit of 1.0 MB (limits.image_mb"),
    "image over the pixel limit": (_many(_limit("image_megapixels = 1"), _big_png("assets/figures/big.png"),
                                         _replace("chapters/01-welcome.md", "steps.svg", "big.png")),
                                   "assets/figures/big.png", "over the limit of 1 megapixels"),
    "layout over the time limit": (_many(_limit("render_seconds = 1"), _long_chapter("chapters/05-long.md")),
                                   "laying out the", "took longer than 1 s (limits.render_seconds"),
}

SANDBOX = {
    "image at an absolute path": (_replace("chapters/01-welcome.md", "../assets/figures/steps.svg", "/etc/hostname"),
                                  "chapters/01-welcome.md:14", "sandbox"),
    "image at a file: URL": (_replace("chapters/01-welcome.md", "../assets/figures/steps.svg", "file:///etc/hostname"),
                             "chapters/01-welcome.md:14", "sandbox"),
    "image over http": (_replace("chapters/01-welcome.md", "../assets/figures/steps.svg", "http://example.com/x.png"),
                        "chapters/01-welcome.md:14", "sandbox"),
    "image escaping the project": (_replace("chapters/01-welcome.md", "../assets/figures/steps.svg",
                                            "../../../../../../etc/hostname"), "chapters/01-welcome.md:14",
                                   "sandbox"),
    "link to a local file": (_replace("chapters/02-steps.md", "(01-welcome.md)", "(file:///etc/hostname)"),
                             "chapters/02-steps.md:21", "not allowed"),
    "stylesheet reading outside": (_replace("assets/css/print.css", "/* Print additions",
                                            'html { background: url("/etc/hostname"); }\n/* Print additions'),
                                   "assets/css/print.css:1", "outside the project"),
    "stylesheet fetching http": (_replace("assets/css/print.css", "/* Print additions",
                                          '@import url("http://example.com/x.css");\n/* Print additions'),
                                 "assets/css/print.css:1", "refused to fetch 'http://example.com/x.css'"),
    # WeasyPrint asks for /etc/hostname, a URL the stylesheet does not spell that way: still named.
    "stylesheet climbing out by a dotted path": (
        _replace("assets/css/print.css", "/* Print additions",
                 'html { background: url("../../../../../../../../../etc/./hostname"); }\n/* Print additions'),
        "assets/css/print.css:1", "refused to read '/etc/hostname'"),
    "stylesheet importing a file outside": (_replace("assets/css/print.css", "/* Print additions",
                                                     '/* A comment */\n@import url("file://SECRET");\n'
                                                     "/* Print additions"),
                                            "assets/css/print.css:2", "outside the project"),
    "stylesheet written with CSS escapes": (_replace("assets/css/print.css", "/* Print additions",
                                                     '\nhtml { background: \\75 rl(../../../../../../../SECRET); }\n'
                                                     "/* Print additions"),
                                            "assets/css/print.css:2", "outside the project"),
    "layout linking a stylesheet outside": (_replace("layouts/base.html", "{% block style %}",
                                                     '<link rel="stylesheet" href="../secret.txt"/>\n'
                                                     "{% block style %}"),
                                            "layouts/base.html:11", "outside the project"),
}


@pytest.fixture(scope="module")
def built(mini_build) -> Path:
    return mini_build


CORPUS = {**BAD_INPUTS, **SANDBOX, **HOSTILE, **LINKS, **ENVIRONMENT, **LIMITS}


def test_the_corpus_holds_at_least_30_bad_inputs():
    assert len(CORPUS) >= 30


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CORPUS))
def test_bad_input_exits_2_names_the_file_and_keeps_dist(case, built, tmp_path):
    change, where, message, *run = CORPUS[case]
    run = run[0] if run else {}
    project = tmp_path / "project"
    shutil.copytree(built, project)
    (tmp_path / "secret.txt").write_bytes(TOKEN + b"\n")
    before = snapshot(project / "dist")
    assert before, "the previous build left outputs"
    change(project)
    result = run_publish(project, *run.get("args", ()), env=run.get("env"))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, lines
    # One problem on the error line, or the whole list a refused build gives ("error: 2 problems in the
    # handout:", then one indented line each): the expected one is among them, at its file and line.
    listed = ([line.strip() for line in lines if line.startswith("  ")]
              if re.match(r"error: \d+ problems", errors[0]) else [errors[0].removeprefix("error: ")])
    assert any(item.startswith(where) and message in item for item in listed), lines
    after = snapshot(project / "dist")
    assert after == before
    assert not any(TOKEN in content for content in after.values())


@pytest.mark.slow
def test_nothing_from_outside_the_project_reaches_the_outputs(tmp_path):
    """A project using the ways in the sandbox allows (a chapter and an image that are links inside the
    project, a web link, a data: image), beside a file holding a token: the token is in neither output."""
    project = make_project(tmp_path / "project")
    (tmp_path / "secret.txt").write_bytes(TOKEN + b"\n")
    (project / "drafts").mkdir()
    (project / "drafts" / "extra.md").write_text("---\ntitle: Extra words\n---\n\nAsk the nurse about the plan.\n")
    (project / "chapters" / "05-extra.md").symlink_to("../drafts/extra.md")
    (project / "assets" / "figures" / "alias.svg").symlink_to("steps.svg")
    box = _data_image(_svg('<rect width="9" height="9"/>'), "base64")
    _replace("chapters/01-welcome.md", "steps.svg", "alias.svg")(project)
    _append(STEPS, f'\nSee <a href="https://example.org/secret.txt">the page</a>.\n\n'
                   f'![A small box.]({box} "A box.")\n')(project)
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    pdf, epub = outputs(project)
    text = pdf_text(pdf)
    assert "Extra words" in text and "Ask the nurse about the plan." in text  # the linked chapter is there
    assert TOKEN.decode() not in text
    assert TOKEN not in pdf.read_bytes()
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
        # The image the link leads to, drawn inline in its chapter (SVG figures are inlined in the EPUB).
        welcome = archive.read("EPUB/welcome.xhtml").decode()
        assert "<svg" in welcome and ">Plan</text>" in welcome
        for name in names:
            assert not name.startswith("/") and ".." not in name.split("/"), name
            assert TOKEN not in archive.read(name), name


@pytest.mark.slow
def test_a_link_inside_the_project_is_named_as_written_in_check_findings(tmp_path):
    """The build's gate names a chapter by its path in the project, the link itself, not where it leads."""
    project = make_project(tmp_path / "project")
    (project / "drafts").mkdir()
    (project / "drafts" / "extra.md").write_text("---\ntitle: Extra words\n---\n\nAbout 73% of people feel "
                                                 "better in 4 weeks.\n")
    (project / "chapters" / "05-extra.md").symlink_to("../drafts/extra.md")
    result = run_publish(project)
    assert result.returncode == 2, result.stderr
    assert "  chapters/05-extra.md:5: [numbers]" in result.stderr, result.stderr


def test_messages_name_files_relative_to_the_project_even_when_a_link_leads_out(tmp_path):
    from handout.check.findings import relative as _relative
    from handout.core.errors import InputError

    root = tmp_path / "project"
    (root / "chapters").mkdir(parents=True)
    (tmp_path / "elsewhere.md").write_text("x")
    link = root / "chapters" / "05-leak.md"
    link.symlink_to(tmp_path / "elsewhere.md")
    assert _relative(link, root) == "chapters/05-leak.md"
    assert InputError("refused", link, 3).format(root) == "chapters/05-leak.md:3: refused"
    assert InputError("refused", tmp_path / "elsewhere.md").format(root) == f"{tmp_path / 'elsewhere.md'}: refused"


# The EPUB's stylesheets: (the stylesheet's text, the line named, text in the message).
EPUB_STYLESHEETS = {
    "@import": ('@import "base.css";\n', 1, "@import 'base.css'"),
    "@import url()": ('h1 { color: black; }\n@import url(base.css);\n', 2, "@import"),
    "web url()": ('h1 { background: url("https://example.com/x.png"); }\n', 1, "only data: URLs and relative"),
    "file: url()": ("h1 {\n  background: url(file:///etc/hostname);\n}\n", 2, "only data: URLs and relative"),
    "absolute url()": ("h1 { background: url(/etc/hostname); }\n", 1, "only data: URLs and relative"),
    "url() climbing out": ("h1 { background: url(../../../../../../../../etc/hostname); }\n", 1,
                           "outside the project"),
    "url() with CSS escapes": ("h1 { background: \\75 rl(https://example.com/x.png); }\n", 1,
                               "only data: URLs and relative"),
    "@font-face from the web": ('@font-face {\n  font-family: X;\n  src: url("https://example.com/x.ttf");\n}\n',
                                3, "only data: URLs and relative"),
    "url() to a missing file": ("h1 { background: url(../figures/missing.png); }\n", 1, "file not found"),
    "url() to a link outside": ("h1 { background: url(../figures/leak.png); }\n", 1, "refused: it is a link to"),
    "data: SVG with a script": ("h1 { background: url('" + _data_image(_svg("<script>alert(1)</script>"), "percent")
                                + "'); }\n", 1, "data: image: SVG element <script>"),
}


@pytest.mark.parametrize("case", list(EPUB_STYLESHEETS))
def test_epub_stylesheet_check_refuses_what_could_reach_outside(case, tmp_path):
    from handout.core.errors import InputError
    from handout.core.sandbox import check_epub_stylesheet

    text, line, message = EPUB_STYLESHEETS[case]
    project = make_project(tmp_path / "project")
    (tmp_path / "secret.txt").write_bytes(TOKEN)
    (project / "assets" / "figures" / "leak.png").symlink_to(tmp_path / "secret.txt")
    sheet = project / "assets" / "css" / "epub.css"
    sheet.write_text(text)
    with pytest.raises(InputError) as refused:
        check_epub_stylesheet(sheet, project)
    assert refused.value.format(project).startswith(f"assets/css/epub.css:{line}: "), refused.value.format(project)
    assert message in refused.value.message


def test_epub_stylesheet_check_passes_what_stays_inside(tmp_path):
    from handout.core.sandbox import check_epub_stylesheet

    project = make_project(tmp_path / "project")
    sheet = project / "assets" / "css" / "epub.css"
    text = ("@namespace epub url(http://www.idpf.org/2007/ops);\n"
            'figure { background: url("../figures/steps.svg") no-repeat; }\n'
            "h1 { background: url(data:image/png;base64,iVBORw0KGgo=); filter: url(#soft); }\n"
            "h2 { background: url('" + _data_image(_svg('<rect width="9" height="9"/>'), "base64") + "'); }\n"
            "/* url(https://example.com/in-a-comment.png) */\n")
    sheet.write_text(text)
    assert check_epub_stylesheet(sheet, project) == text
    for name in ("base.css", "epub.css"):
        check_epub_stylesheet(REPO / "assets" / "css" / name, REPO)  # the handout's own stylesheets pass


def test_epub_stylesheet_that_is_a_link_outside_is_refused(tmp_path):
    from handout.core.errors import InputError
    from handout.core.sandbox import check_epub_stylesheet

    project = make_project(tmp_path / "project")
    (tmp_path / "secret.css").write_text("h1 { color: red; }\n")
    sheet = project / "assets" / "css" / "epub.css"
    sheet.unlink()
    sheet.symlink_to(tmp_path / "secret.css")
    with pytest.raises(InputError) as refused:
        check_epub_stylesheet(sheet, project)
    assert refused.value.format(project).startswith("assets/css/epub.css: refused: it is a link to")
