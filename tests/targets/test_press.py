"""The press edition, as a print shop checks it: PDF/X-4 with a CMYK output intent, black text on the K plate only,
no RGB colour left, crop marks in registration colour, still tagged; the same bytes from a second build."""
from __future__ import annotations

import re
import shutil

import pikepdf
import pytest

from conftest import make_project, run_publish

TEXT_SHOWING = {"Tj", "TJ", "'", '"'}


@pytest.fixture(scope="module")
def press(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("press"))
    result = run_publish(project, "--edition", "press", "--no-epub")
    assert result.returncode == 0, result.stderr
    return project / "dist" / "ketamine-handout-press.pdf"


def paint(stream_owner, resources, state, found, depth=0):
    """Follow the fill colour through a content stream and the forms it draws: (colour, operator) of each text
    shown and each colour set, appended to `found`."""
    stack = []
    for operands, operator in pikepdf.parse_content_stream(stream_owner):
        op = str(operator)
        if op == "q":
            stack.append(dict(state))
        elif op == "Q" and stack:
            state.clear()
            state.update(stack.pop())
        elif op in ("cs", "CS"):
            state["space" if op == "cs" else "stroke_space"] = str(operands[0])
        elif op in ("sc", "scn", "SC", "SCN", "k", "K", "rg", "RG", "g", "G"):
            fill = op in ("sc", "scn", "k", "rg", "g")
            space = {"k": "/DeviceCMYK", "K": "/DeviceCMYK", "rg": "/DeviceRGB", "RG": "/DeviceRGB",
                     "g": "/DeviceGray", "G": "/DeviceGray"}.get(op) or state.get("space" if fill else "stroke_space")
            colour = (space, tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name)))
            state["fill" if fill else "stroke"] = colour
            if op in ("k", "K", "cs", "CS"):
                state["space" if fill else "stroke_space"] = space
            found.append(("set " + op, colour))
        elif op in TEXT_SHOWING:
            found.append(("text", state.get("fill")))
        elif op == "Do" and depth < 8:
            xobject = resources.XObject[operands[0]]
            if xobject.get("/Subtype") == "/Form":
                paint(xobject, xobject.get("/Resources", resources), dict(state), found, depth + 1)


def painted(path):
    found = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            paint(page, page.Resources, {}, found)
    return found


@pytest.mark.slow
def test_press_declares_pdf_x4_with_a_cmyk_output_intent(press):
    with pikepdf.open(press) as pdf:
        assert pdf.pdf_version <= "1.6"
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFX"
        assert str(intents[0].OutputConditionIdentifier)
        profile = intents[0].DestOutputProfile
        assert profile.N == 4 and profile.read_bytes()[16:20] == b"CMYK"
        for page in pdf.pages:
            assert "/TrimBox" in page and "/BleedBox" in page
        # Still tagged, as the other editions: PDF/UA-1 declared beside PDF/X-4.
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        assert re.search(r'pdfuaid:part="1"', xmp)


@pytest.mark.slow
def test_press_text_is_on_the_k_plate_only_and_no_rgb_is_left(press):
    found = painted(press)
    texts = [colour for kind, colour in found if kind == "text"]
    assert len(texts) > 50
    for colour in texts:
        assert colour is not None
        space, values = colour
        assert space == "/DeviceCMYK" and values[:3] == (0, 0, 0) and values[3] > 0.85, colour
    assert not [c for kind, c in found if c and c[0] == "/DeviceRGB"], "RGB colours left in the press PDF"


@pytest.mark.slow
def test_press_crop_marks_are_in_registration_colour(press):
    with pikepdf.open(press) as pdf:
        spaces = pdf.pages[0].Resources.ColorSpace
        registration = spaces.Registration
        assert registration[0] == "/Separation" and registration[1] == "/All"
        found = []
        paint(pdf.pages[0], pdf.pages[0].Resources, {}, found)
    strokes = [colour for kind, colour in found if kind in ("set SCN", "set SC")]
    assert strokes and all(space == "/Registration" and values == (1.0,) for space, values in strokes[:8])


@pytest.mark.slow
def test_press_builds_are_byte_identical(press, tmp_path):
    project = tmp_path / "again"
    shutil.copytree(press.parent.parent, project)
    assert run_publish(project, "--force", "--edition", "press", "--no-epub").returncode == 0
    assert (project / "dist" / press.name).read_bytes() == press.read_bytes()


def test_missing_cmyk_profile_is_a_clear_error(monkeypatch, tmp_path):
    import handout.targets.pdf.writer
    from handout.core.errors import InputError
    monkeypatch.setattr(handout.targets.pdf.writer, "PRESS_PROFILE", tmp_path / "missing.icc")
    with pytest.raises(InputError, match="libgs-common"):
        handout.targets.pdf.writer.press_profiles()
