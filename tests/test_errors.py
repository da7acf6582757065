"""Bad input: exit 2, a one-line message naming the file (and line), no traceback, dist/ untouched."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import outputs, run_publish, snapshot


def _replace(path: str, old: str, new: str):
    def change(project: Path):
        file = project / path
        text = file.read_text()
        assert old in text, (path, old)
        file.write_text(text.replace(old, new, 1))
    return change


def _write(path: str, content: str | bytes):
    def change(project: Path):
        file = project / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(content if isinstance(content, bytes) else content.encode())
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
    "raw HTML not well formed": (_replace("chapters/02-steps.md", "Go back", "Go<br> back"),
                                 "chapters/02-steps.md", "not well-formed"),
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


@pytest.mark.parametrize("case", list(BAD_INPUTS) + list(SANDBOX))
def test_bad_input_exits_2_names_the_file_and_keeps_dist(case, built, tmp_path):
    change, where, message = {**BAD_INPUTS, **SANDBOX}[case]
    project = tmp_path / "project"
    shutil.copytree(built, project)
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
    assert snapshot(project / "dist") == before


def test_nothing_from_outside_the_project_reaches_the_outputs(built):
    secret = Path("/etc/hostname").read_bytes().strip()
    pdf, epub = outputs(built)
    import zipfile
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            assert not name.startswith(("/", "..")), name
            if secret:
                assert secret not in archive.read(name) or len(secret) < 6
