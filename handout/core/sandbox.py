"""Which files a build may read: inside the project (after symlinks), the bundled font, and data: URLs.

Every file a build reads goes through `Sandbox.check_file` (chapters, references, the jargon list, layouts,
stylesheets and images): its real location, after every symlink, must be inside the project (or be the
bundled font); a link that leads out is refused, naming the link.
"""
from __future__ import annotations

import base64
import binascii
import io
import os
import re
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urldefrag, urljoin, urlsplit

from handout.core.errors import InputError, SandboxError, decode_utf8
from handout.core.fonts import FONT_DIR
from handout.core.script_fonts import folders
from handout.core.sourcelines import line_at, line_of_any
from handout.core.theme import theme_roots
from handout.core.inherit import library_files, library_theme_roots


class Sandbox:
    def __init__(self, root: Path, extra: tuple[Path, ...] | None = None):
        self.project = Path(os.path.normpath(root.absolute()))
        # Besides the project: the bundled font and the built-in theme's layouts and assets, read-only.
        if extra is None:  # a handout in a library also reads the library's layouts/, assets/, references, jargon lists
            extra = (FONT_DIR, *folders(), *theme_roots(), *library_theme_roots(root), *library_files(root))
        self.roots = (root.resolve(), *(p.resolve() for p in extra))

    def allows(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(root) for root in self.roots)

    def in_project(self, path: Path) -> bool:
        """Whether `path`, as written (before symlinks), names something in the project folder."""
        written = Path(os.path.normpath(path.absolute()))
        return written.is_relative_to(self.project) or written.is_relative_to(self.roots[0])

    def check_file(self, path: Path) -> Path:
        """`path`, if it is a regular file whose real location is allowed; raises an error naming it otherwise.

        A file of the project that is a link (or lies in a linked folder) leading outside the project, a
        broken link, a folder and a device or pipe are refused.
        """
        resolved = path.resolve()
        if not self.allows(path):
            if self.in_project(path):
                raise SandboxError(f"refused: it is a link to {resolved}, outside the project", path)
            raise SandboxError(f"refused to read '{path}': it is outside the project", path)
        if not resolved.exists():
            if path.is_symlink():
                raise SandboxError(f"refused: it is a broken link (to {os.readlink(path)})", path)
            raise InputError("file not found", path)
        if resolved.is_dir():
            raise InputError("is a folder, not a file", path)
        if not resolved.is_file():
            raise SandboxError("refused: not a regular file (a device, pipe or socket)", path)
        return path

    def read_bytes(self, path: Path) -> bytes:
        return self.check_file(path).read_bytes()

    def file_for_url(self, url: str) -> Path:
        """The local file a `file:` URL names, if the sandbox allows it; raises SandboxError otherwise.

        The error names the file when it is the project's own (a link leading out of it); otherwise it
        carries only the URL, for the caller to name the file that asked for it.
        """
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise SandboxError(f"refused to fetch '{url}': only files inside the project and data: URLs are allowed",
                               url=url)
        path = Path(unquote(parts.path))
        if not self.allows(path) and not self.in_project(path):
            raise SandboxError(f"refused to read '{path}': it is outside the project", url=url)
        if not path.exists() and not path.is_symlink():
            shown = path.relative_to(self.project) if path.is_relative_to(self.project) else path
            raise SandboxError(f"file not found: '{shown}'", url=url)
        return self.check_file(path)


# ---- SVG -----------------------------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
LOCAL_REFERENCE = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp);base64,)", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)([^)'\"]*)", re.I)


def check_svg(path: Path) -> None:
    """Refuse an SVG file that could reach outside itself: entities, scripts, external references, @import."""
    check_svg_bytes(path.read_bytes(), path)


def check_svg_bytes(data: bytes, path: Path | None = None) -> None:
    """The SVG check over the bytes of an SVG (a file's, named by `path`, or a data: URL's)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SandboxError(f"not a well-formed SVG file: {error.msg}", path, error.lineno) from None
    if root is None:
        raise SandboxError("not a well-formed SVG file: it is empty", path, 1)
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise SandboxError("SVG files may not declare a DOCTYPE or entities", path, 1)
    if root.tag != f"{{{SVG_NS}}}svg":
        raise SandboxError("not an SVG file (the root element is not <svg> in the SVG namespace)", path,
                           root.sourceline)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name in {"script", "foreignObject", "iframe", "embed", "object"}:
            raise SandboxError(f"SVG element <{name}> is not allowed", path, element.sourceline)
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname
            if local.lower().startswith("on"):
                raise SandboxError(f"SVG event attribute '{local}' is not allowed", path, element.sourceline)
            if (attribute in {"href", XLINK_HREF}) and not LOCAL_REFERENCE.match(value):
                raise SandboxError(f"SVG reference '{value[:60]}' points outside the file: only '#id' and "
                                   "data:image URLs are allowed", path, element.sourceline)
            if local == "style" and CSS_URL.search(value):
                raise SandboxError("SVG style with url() to another file is not allowed", path, element.sourceline)
        if name == "style" and element.text and ("@import" in element.text or CSS_URL.search(element.text)):
            raise SandboxError("SVG <style> may not @import or load url()s", path, element.sourceline)
    check_svg_expansion(root, path)


MAX_SVG_USE_DEPTH = 10       # <use> (or another #id reference) inside what a <use> draws, and so on
MAX_SVG_ELEMENTS = 50_000    # elements an SVG draws once every reference is expanded
SVG_URL_REFERENCE = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")


def _svg_references(element, ids: dict) -> list:
    """The elements that `element` draws by reference: `href="#id"` (a <use>, a template) and `url(#id)` (a
    pattern, marker, mask, clip path or filter)."""
    from lxml import etree

    found = []
    for attribute, value in element.attrib.items():
        if etree.QName(attribute).localname == "href" and value.strip().startswith("#"):
            target = ids.get(value.strip()[1:])
            found += [target] if target is not None else []
        elif "url(" in value:
            found += [ids[name] for name in SVG_URL_REFERENCE.findall(value) if name in ids]
    # A gradient is a paint, not drawn elements: any number of shapes may use one.
    return [target for target in found if not etree.QName(target).localname.endswith("Gradient")]


def check_svg_expansion(root, path: Path | None) -> None:
    """Refuse an SVG whose references expand too far (a "billion laughs" of nested <use>), nest too deep or
    refer to themselves: what it draws is counted through the reference graph, each element once (linear)."""
    elements = [element for element in root.iter() if isinstance(element.tag, str)]  # keeps the proxies alive
    ids = {element.get("id"): element for element in elements if element.get("id")}
    cost: dict = {}
    depth: dict = {}
    visiting: set = set()
    stack = [(root, False)]
    while stack:
        element, expanded = stack.pop()
        children = [child for child in element if isinstance(child.tag, str)]
        references = _svg_references(element, ids)
        if expanded:
            visiting.discard(element)
            cost[element] = 1 + sum(cost[child] for child in children) + sum(cost[ref] for ref in references)
            depth[element] = max([depth[child] for child in children] + [depth[ref] + 1 for ref in references] + [0])
            if depth[element] > MAX_SVG_USE_DEPTH:
                raise SandboxError(f"SVG references (<use> inside what a <use> draws) nest {depth[element]} deep "
                                   f"(at most {MAX_SVG_USE_DEPTH})", path, element.sourceline)
            if cost[element] > MAX_SVG_ELEMENTS:
                raise SandboxError(f"the SVG draws more than {MAX_SVG_ELEMENTS} elements once its <use> references "
                                   "are expanded: simplify it", path, element.sourceline)
            continue
        if element in cost:
            continue
        visiting.add(element)
        stack.append((element, True))
        for following in (*children, *references):
            if following in visiting:
                raise SandboxError(f"SVG reference to '#{following.get('id')}' draws itself", path,
                                   element.sourceline)
            if following not in cost:
                stack.append((following, False))


# ---- images ----------------------------------------------------------------------------------------------------

DATA_URL = re.compile(r"^data:(?P<type>[^;,]*)(?P<parameters>(?:;[^;,]*?)*?)(?P<base64>;base64)?,(?P<data>.*)$",
                      re.I | re.S)


def decode_data_url(url: str) -> tuple[str, bytes]:
    """The media type and the bytes of a data: URL, base64 or percent-encoded."""
    match = DATA_URL.match(url.strip())
    if not match:
        raise SandboxError(f"malformed data: URL '{url[:40]}'")
    kind = match["type"].strip().lower() or "text/plain"
    if not match["base64"]:
        return kind, unquote_to_bytes(match["data"])
    try:
        return kind, base64.b64decode(re.sub(r"\s+", "", unquote(match["data"])), validate=True)
    except (binascii.Error, ValueError):
        raise SandboxError(f"the data: URL '{url[:40]}...' is not valid base64") from None


def check_image(path: Path, max_bytes: int, max_pixels: int) -> None:
    """Refuse images over the byte or pixel limit, and unsafe SVGs."""
    _check_size(path.stat().st_size, max_bytes, path)
    if path.suffix.lower() == ".svg":
        check_svg(path)
    else:
        _check_pixels(path, max_pixels, path)


def check_data_image(url: str, max_bytes: int, max_pixels: int) -> None:
    """The checks of `check_image` over the image a data: URL holds (errors name no file: the caller does)."""
    kind, data = decode_data_url(url)
    _check_size(len(data), max_bytes, None)
    if kind == "image/svg+xml":
        check_data_svg(data)
    else:
        _check_pixels(io.BytesIO(data), max_pixels, None)


def check_data_svg(data: bytes) -> None:
    """The SVG check over the bytes of a data: URL; the error says which line of the SVG."""
    try:
        check_svg_bytes(data)
    except SandboxError as error:
        where = f" (line {error.line} of the SVG)" if error.line else ""
        raise SandboxError(f"data: image: {error.message}{where}") from None


def _check_size(size: int, max_bytes: int, path: Path | None) -> None:
    if size > max_bytes:
        raise SandboxError(f"image is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB "
                           "(limits.image_mb in publish.toml)", path)


def _check_pixels(source, max_pixels: int, path: Path | None) -> None:
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # the limit below says it in our words
    try:
        with Image.open(source) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError):
        raise SandboxError("not an image this toolchain can read (use PNG, JPEG, GIF, WebP or SVG)", path) from None
    if width * height > max_pixels:
        raise SandboxError(f"image is {width}x{height} pixels, over the limit of {max_pixels / 1e6:.0f} megapixels "
                           "(limits.image_megapixels in publish.toml)", path)
    _check_decodes(source, path)


def _check_decodes(source, path: Path | None) -> None:
    """Decode the whole raster (within the pixel limit, checked before): a damaged or truncated file would
    print as a black box or a half picture."""
    from PIL import Image, ImageFile

    # WeasyPrint, once imported (watch mode, a worker), sets Pillow to accept cut-short files: not here.
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        for check in ("verify", "load"):  # verify() checks the file's structure and checksums; load() decodes it
            if hasattr(source, "seek"):
                source.seek(0)
            with Image.open(source) as image:
                getattr(image, check)()
    except Exception as error:  # Pillow reports bad data with many exception types  # noqa: BLE001
        detail = str(error).splitlines()[0][:80] if str(error) else type(error).__name__
        raise SandboxError(f"the image does not decode ({detail}): it is damaged or cut short; export or "
                           "download it again", path) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


# ---- stylesheets -----------------------------------------------------------------------------------------------

def css_references(text: str) -> list[tuple[str, str, int]]:
    """Every file a stylesheet (or a style attribute) asks for: ("@import" or "url()", the URL as written,
    line), whatever the spelling (CSS escapes, quotes, `@font-face src`, `image-set()` strings)."""
    import tinycss2

    found: list[tuple[str, str, int]] = []

    def walk(nodes) -> None:
        for node in nodes or ():
            if node.type == "at-rule" and node.lower_at_keyword == "namespace":
                continue  # a namespace name, never fetched
            if node.type == "at-rule" and node.lower_at_keyword == "import":
                value = next((token.value for token in node.prelude if token.type in {"string", "url"}), "")
                if not value:
                    value = next((argument.value for token in node.prelude if token.type == "function"
                                  for argument in token.arguments if argument.type == "string"), "")
                found.append(("@import", value, node.source_line))
                continue
            if node.type == "url":
                found.append(("url()", node.value, node.source_line))
            elif node.type == "function" and (node.lower_name in {"url", "src"}
                                              or node.lower_name.endswith("image-set")):
                found.extend(("url()", argument.value, argument.source_line) for argument in node.arguments
                             if argument.type == "string")
            for children in (getattr(node, "prelude", None), getattr(node, "content", None),
                             getattr(node, "arguments", None)):
                if isinstance(children, list):
                    walk(children)

    walk(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))
    return found


STYLESHEET_BYTES = 2_000_000  # checked before the stylesheet is read or parsed


def check_epub_stylesheet(path: Path, root: Path) -> str:
    """The text of a stylesheet the EPUB packs, read through the sandbox of project `root`.

    Refused, naming the file and line: `@import`, and any `url()` other than a data: URL (an SVG one is
    checked like an SVG file), an `#id`, or a relative path to a file inside the project.
    """
    sandbox = Sandbox(root)
    size = sandbox.check_file(path).stat().st_size
    if size > STYLESHEET_BYTES:
        raise SandboxError(f"stylesheet is {size / 1e6:.1f} MB, over the limit of {STYLESHEET_BYTES / 1e6:.0f} MB: "
                           "a handout's stylesheet is a few kilobytes", path)
    text = decode_utf8(sandbox.read_bytes(path), path)
    for kind, url, line in css_references(text):
        if kind == "@import":
            raise SandboxError(f"refused: @import '{url}': the EPUB's stylesheets may not import others "
                               "(copy the rules into this file)", path, line)
        _check_epub_url(url, path, line, sandbox)
    return text


def _check_epub_url(url: str, path: Path, line: int, sandbox: Sandbox) -> None:
    written = url.strip()
    if written.startswith("#"):
        return
    try:
        if written.lower().startswith("data:"):
            kind, data = decode_data_url(written)
            if kind == "image/svg+xml":
                check_data_svg(data)
            return
        parts = urlsplit(written)
        if parts.scheme or parts.netloc or written.startswith("/") or not parts.path:
            raise SandboxError("only data: URLs and relative paths to files inside the project are allowed")
        sandbox.check_file(path.parent / unquote(parts.path))
    except InputError as error:
        shown = f"{error.where(sandbox.project)}: " if error.path else ""
        raise SandboxError(f"refused: url('{written[:60]}'): {shown}{error.message}", path, line) from None


def referring_line(text: str, url: str, base: str, stylesheet: bool) -> int | None:
    """The line of `text` (a stylesheet, or a layout, chapter or SVG, whose URLs are relative to `base`) that
    asks for `url`, an absolute URL as WeasyPrint fetches it; None when none does."""
    wanted = urldefrag(unquote(url))[0]
    if stylesheet:
        written = [(value, line) for _, value, line in css_references(text)]
    else:
        written = [(next(group for group in match.groups()[1:] if group is not None),
                    line_at(text, match.start())) for match in MARKUP_REFERENCE.finditer(text)]
    for value, line in written:
        if value and urldefrag(unquote(urljoin(base, value.strip())))[0] == wanted:
            return line
    return None


def mentioning_line(text: str, url: str) -> int | None:
    """The first line of `text` that mentions `url` (a template that builds it, say): the URL itself, its
    path, then the path's tails, down to the file name."""
    path = urlsplit(urldefrag(unquote(url))[0]).path
    pieces = [piece for piece in path.split("/") if piece]
    return line_of_any(text, (url, path, *("/".join(pieces[index:]) for index in range(1, len(pieces)))))


# href="..." and src="..." attributes, url(...) in inline styles, and Markdown's ](...) targets.
MARKUP_REFERENCE = re.compile(r"""\b(?:href|src)\s*=\s*(["'])([^"']*)\1|url\(\s*["']?([^"')]*)|\]\(\s*<?([^)\s>]+)""",
                              re.I)
