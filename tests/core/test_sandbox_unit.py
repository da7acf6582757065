"""The sandbox in process: which files a build may read, the SVG and image checks, the EPUB stylesheets' URLs,
and the lines errors point at. Each refusal is the file's own message, at its line, without a build."""
from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from handout.core.errors import InputError, SandboxError
from handout.core.sandbox import (MAX_SVG_USE_DEPTH, Sandbox, check_data_image, check_epub_stylesheet, check_image,
                             check_svg_bytes, css_references, decode_data_url, mentioning_line, referring_line)

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


@pytest.fixture
def root(tmp_path):
    project = tmp_path / "project"
    (project / "chapters").mkdir(parents=True)
    (project / "chapters" / "01-a.md").write_text("hello")
    (tmp_path / "secret.txt").write_text("outside")
    return project


def sandbox(root: Path) -> Sandbox:
    return Sandbox(root, extra=())


# ---- files ---------------------------------------------------------------------------------------------------

def test_a_file_of_the_project_is_read(root):
    assert sandbox(root).read_bytes(root / "chapters" / "01-a.md") == b"hello"


def test_a_file_outside_the_project_is_refused(root):
    with pytest.raises(SandboxError, match="it is outside the project"):
        sandbox(root).check_file(root.parent / "secret.txt")


def test_a_link_leading_out_is_refused_naming_the_link(root):
    link = root / "chapters" / "02-b.md"
    link.symlink_to(root.parent / "secret.txt")
    with pytest.raises(SandboxError, match="it is a link to .*secret.txt, outside the project") as caught:
        sandbox(root).check_file(link)
    assert caught.value.path == link


def test_a_linked_folder_leading_out_is_refused(root):
    (root / "assets").symlink_to(root.parent, target_is_directory=True)
    with pytest.raises(SandboxError, match="outside the project"):
        sandbox(root).check_file(root / "assets" / "secret.txt")


def test_a_link_inside_the_project_is_followed(root):
    link = root / "chapters" / "02-b.md"
    link.symlink_to("01-a.md")
    assert sandbox(root).read_bytes(link) == b"hello"


def test_a_broken_link_a_folder_a_pipe_and_a_missing_file_are_refused(root):
    (root / "broken.md").symlink_to(root / "nowhere.md")
    os.mkfifo(root / "pipe.md")
    cases = {root / "broken.md": "it is a broken link", root / "chapters": "is a folder, not a file",
             root / "pipe.md": "not a regular file", root / "missing.md": "file not found"}
    for path, message in cases.items():
        with pytest.raises(InputError, match=message):
            sandbox(root).check_file(path)


def test_file_urls_only_and_inside_the_project(root):
    box = sandbox(root)
    assert box.file_for_url((root / "chapters" / "01-a.md").as_uri()) == root / "chapters" / "01-a.md"
    with pytest.raises(SandboxError, match="only files inside the project and data: URLs") as caught:
        box.file_for_url("https://example.org/x.png")
    assert caught.value.url == "https://example.org/x.png" and caught.value.path is None
    with pytest.raises(SandboxError, match="it is outside the project"):
        box.file_for_url((root.parent / "secret.txt").as_uri())
    with pytest.raises(SandboxError, match="file not found: 'chapters/none.png'"):
        box.file_for_url((root / "chapters" / "none.png").as_uri())


# ---- SVG -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,message", [
    ("<script>alert(1)</script>", "SVG element <script> is not allowed"),
    ("<foreignObject/>", "SVG element <foreignObject> is not allowed"),
    ('<rect onload="x()"/>', "SVG event attribute 'onload' is not allowed"),
    ('<image xlink:href="file:///etc/passwd"/>', "SVG reference 'file:///etc/passwd' points outside the file"),
    ('<use href="other.svg#a"/>', "points outside the file"),
    ('<rect style="fill: url(other.svg#g)"/>', "SVG style with url() to another file is not allowed"),
    ("<style>@import 'x.css';</style>", "SVG <style> may not @import or load url()s"),
])
def test_an_svg_that_reaches_outside_itself_is_refused(body, message):
    with pytest.raises(SandboxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_svg_bytes(SVG.format(body).encode(), Path("figure.svg"))


def test_svg_errors_name_their_line():
    data = SVG.format("\n<g>\n<script/>\n</g>").encode()
    with pytest.raises(SandboxError) as caught:
        check_svg_bytes(data, Path("figure.svg"))
    assert caught.value.line == 3


def test_an_svg_with_a_doctype_or_another_root_or_malformed_is_refused():
    doctype = b'<!DOCTYPE svg [<!ENTITY a "x">]>' + SVG.format("").encode()
    with pytest.raises(SandboxError, match="may not declare a DOCTYPE or entities"):
        check_svg_bytes(doctype)
    with pytest.raises(SandboxError, match="the root element is not <svg>"):
        check_svg_bytes(b"<html/>")
    with pytest.raises(SandboxError, match="not a well-formed SVG file") as caught:
        check_svg_bytes(b"<svg>\n<g>\n</svg>")
    assert caught.value.line == 3


def test_local_references_and_data_images_pass():
    body = ('<defs><g id="a"><rect/></g></defs><use href="#a"/>'
            '<image href="data:image/png;base64,iVBORw0KGgo="/>')
    check_svg_bytes(SVG.format(body).encode())


def test_nested_use_references_past_the_limit_are_refused():
    chain = '<g id="g0"><rect/></g>' + "".join(f'<g id="g{n}"><use href="#g{n - 1}"/></g>'
                                                for n in range(1, MAX_SVG_USE_DEPTH + 3))
    with pytest.raises(SandboxError, match="nest .* deep"):
        check_svg_bytes(SVG.format(f"<defs>{chain}</defs>").encode())


def test_a_billion_laughs_of_use_is_refused_in_linear_time():
    levels = '<g id="l0"><rect/><rect/><rect/><rect/><rect/><rect/><rect/><rect/><rect/><rect/></g>' + "".join(
        f'<g id="l{n}">' + f'<use href="#l{n - 1}"/>' * 10 + "</g>" for n in range(1, 8))
    with pytest.raises(SandboxError, match="draws more than"):
        check_svg_bytes(SVG.format(f"<defs>{levels}</defs>").encode())


def test_a_reference_to_itself_is_refused():
    with pytest.raises(SandboxError, match="draws itself"):
        check_svg_bytes(SVG.format('<g id="a"><use href="#a"/></g>').encode())


# ---- images and data: URLs -----------------------------------------------------------------------------------

def png(width: int = 4, height: int = 4) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def test_data_urls_decode_base64_and_percent_encoding():
    assert decode_data_url("data:text/plain,a%20b") == ("text/plain", b"a b")
    assert decode_data_url("data:;base64," + base64.b64encode(b"xyz").decode()) == ("text/plain", b"xyz")
    with pytest.raises(SandboxError, match="is not valid base64"):
        decode_data_url("data:image/png;base64,@@@")
    with pytest.raises(SandboxError, match="malformed data: URL"):
        decode_data_url("data:image/png")


def test_images_over_the_limits_damaged_or_unknown_are_refused(tmp_path):
    image = tmp_path / "a.png"
    image.write_bytes(png(40, 40))
    check_image(image, 1_000_000, 10_000)
    with pytest.raises(SandboxError, match="over the limit of 0.0 MB"):
        check_image(image, 10, 10_000)
    with pytest.raises(SandboxError, match="40x40 pixels, over the limit"):
        check_image(image, 1_000_000, 100)
    image.write_bytes(png(40, 40)[:-30])
    with pytest.raises(SandboxError, match="does not decode"):
        check_image(image, 1_000_000, 10_000)
    image.write_bytes(b"GIF? no")
    with pytest.raises(SandboxError, match="not an image this toolchain can read"):
        check_image(image, 1_000_000, 10_000)


def test_data_images_get_the_same_checks():
    check_data_image("data:image/png;base64," + base64.b64encode(png()).decode(), 1_000_000, 10_000)
    svg = SVG.format("<script/>").encode()
    with pytest.raises(SandboxError, match="data: image: SVG element <script> is not allowed"):
        check_data_image("data:image/svg+xml;base64," + base64.b64encode(svg).decode(), 1_000_000, 10_000)


# ---- EPUB stylesheets ----------------------------------------------------------------------------------------

def test_css_references_find_every_spelling_with_its_line():
    css = '@import "a.css";\np { background: url(b.png) }\n@font-face { src: url("c.woff") }\n' \
          'q { background-image: image-set("d.png" 1x) }\n@namespace svg url(http://www.w3.org/2000/svg);\n'
    assert css_references(css) == [("@import", "a.css", 1), ("url()", "b.png", 2), ("url()", "c.woff", 3),
                                   ("url()", "d.png", 4)]


def test_an_epub_stylesheet_may_load_only_files_of_the_project(root):
    css = root / "style.css"
    (root / "ok.png").write_bytes(png())
    css.write_text('p { background: url(ok.png) }\nh1 { background: url("#x") }\n')
    assert check_epub_stylesheet(css, root).startswith("p {")
    cases = {'@import "other.css";': "may not import others",
             "p {}\np { background: url(https://example.org/x.png) }": "only data: URLs and relative paths",
             "p { background: url(../secret.txt) }": "outside the project",
             "p { background: url(none.png) }": "file not found"}
    for text, message in cases.items():
        css.write_text(text)
        with pytest.raises(SandboxError, match=message) as caught:
            check_epub_stylesheet(css, root)
        assert caught.value.path == css and caught.value.line == text.count("\n") + 1


def test_an_oversized_epub_stylesheet_is_refused_before_it_is_read(root):
    css = root / "style.css"
    css.write_bytes(b" " * 2_000_001)
    with pytest.raises(SandboxError, match="over the limit of 2 MB"):
        check_epub_stylesheet(css, root)


# ---- the line that asked for a URL ---------------------------------------------------------------------------

def test_the_line_that_refers_to_a_url():
    base = "file:///p/layouts/"
    html = '<p>\n<img src="../assets/a%20b.png">\n<a href="x.html#top">'
    assert referring_line(html, "file:///p/assets/a b.png", base, stylesheet=False) == 2
    assert referring_line(html, "file:///p/layouts/x.html", base, stylesheet=False) == 3
    css = "p {}\nq { background: url(../assets/c.png) }"
    assert referring_line(css, "file:///p/assets/c.png", base, stylesheet=True) == 2
    assert referring_line(css, "file:///p/assets/none.png", base, stylesheet=True) is None


def test_the_line_that_mentions_a_url_tries_its_path_then_its_tails():
    text = "a\n{{ 'figures/' ~ name }}\nimages/logo.png"
    assert mentioning_line(text, "file:///p/assets/images/logo.png") == 3
    assert mentioning_line(text, "file:///elsewhere/none.gif") is None
