"""Bad input: exit 2, a one-line message naming the file (and line), no traceback, dist/ untouched."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import outputs, run_publish, snapshot


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


def _svg(body: str, prolog: str = "") -> str:
    return (f'{prolog}<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="0 0 300 60" role="img"><title>Three steps</title>{body}</svg>')


def _big_png(path: str):
    def change(project: Path):
        from PIL import Image
        Image.new("1", (2000, 2000)).save(project / path)  # 4 megapixels, a few kilobytes
    return change


def _many(*changes):
    def change(project: Path):
        for one in changes:
            one(project)
    return change


def _empty_chapters(project: Path):
    for file in (project / "chapters").iterdir():
        file.unlink()


BAD_INPUTS = {
    # name: (change, file named in the message, text in the message)
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
                                 "layouts/partials/title_block.html:4", "'confg' is undefined"),
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
                                 "chapters/02-steps.md", "not well-formed"),
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
    "chapter over the size limit": (_many(_replace("publish.toml", "[crisis]", "[limits]\nchapter_kb = 1\n\n[crisis]"),
                                          _append(STEPS, "\n" + "Plain words. " * 200)), STEPS, "over the limit"),
    "image over the pixel limit": (_many(_replace("publish.toml", "[crisis]",
                                                  "[limits]\nimage_megapixels = 1\n\n[crisis]"),
                                         _big_png("assets/figures/big.png"),
                                         _replace("chapters/01-welcome.md", "steps.svg", "big.png")),
                                   "assets/figures/big.png", "over the limit of 1 megapixels"),
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
}


@pytest.fixture(scope="module")
def built(mini_build) -> Path:
    return mini_build


CORPUS = {**BAD_INPUTS, **SANDBOX, **HOSTILE}


def test_the_corpus_holds_at_least_30_bad_inputs():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("case", list(CORPUS))
def test_bad_input_exits_2_names_the_file_and_keeps_dist(case, built, tmp_path):
    change, where, message = CORPUS[case]
    project = tmp_path / "project"
    shutil.copytree(built, project)
    (tmp_path / "secret.txt").write_bytes(TOKEN + b"\n")
    before = snapshot(project / "dist")
    assert before, "the previous build left outputs"
    change(project)
    result = run_publish(project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, lines
    assert errors[0].startswith(f"error: {where}"), errors[0]
    assert message in errors[0], errors[0]
    after = snapshot(project / "dist")
    assert after == before
    assert not any(TOKEN in content for content in after.values())


def test_nothing_from_outside_the_project_reaches_the_outputs(built):
    secret = Path("/etc/hostname").read_bytes().strip()
    pdf, epub = outputs(built)
    import zipfile
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            assert not name.startswith(("/", "..")), name
            if secret:
                assert secret not in archive.read(name) or len(secret) < 6
