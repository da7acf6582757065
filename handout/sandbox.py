"""Which files a build may read: inside the project (after symlinks), the bundled font, and data: URLs."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import SandboxError
from .fonts import FONT_DIR


class Sandbox:
    def __init__(self, root: Path, extra: tuple[Path, ...] = (FONT_DIR,)):
        self.roots = (root.resolve(), *(p.resolve() for p in extra))

    def allows(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(root) for root in self.roots)

    def file_for_url(self, url: str) -> Path:
        """The local file a `file:` URL names, if the sandbox allows it; raises SandboxError otherwise."""
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise SandboxError(f"refused to fetch '{url}': only files inside the project and data: URLs are allowed",
                               url=url)
        path = Path(unquote(parts.path))
        if not self.allows(path):
            raise SandboxError(f"refused to read '{path}': it is outside the project", url=url)
        if not path.is_file():
            raise SandboxError(f"file not found: '{path}'", url=url)
        return path


SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
LOCAL_REFERENCE = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp);base64,)", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)([^)'\"]*)", re.I)


def check_svg(path: Path) -> None:
    """Refuse an SVG that could reach outside itself: entities, scripts, external references, @import."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as error:
        raise SandboxError(f"not a well-formed SVG file: {error.msg}", path, error.lineno) from None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise SandboxError("SVG files may not declare a DOCTYPE or entities", path, 1)
    root = tree.getroot()
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


def check_image(path: Path, max_bytes: int, max_pixels: int) -> None:
    """Refuse images over the byte or pixel limit, and unsafe SVGs."""
    size = path.stat().st_size
    if size > max_bytes:
        raise SandboxError(f"image is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB "
                           "(limits.image_mb in publish.toml)", path)
    if path.suffix.lower() == ".svg":
        check_svg(path)
        return
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # the limit below says it in our words
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError):
        raise SandboxError("not an image this toolchain can read (use PNG, JPEG, GIF, WebP or SVG)", path) from None
    if width * height > max_pixels:
        raise SandboxError(f"image is {width}x{height} pixels, over the limit of {max_pixels / 1e6:.0f} megapixels "
                           "(limits.image_megapixels in publish.toml)", path)
