"""The PDF target: one PDF per print edition (handout/config/editions.py), laid out by WeasyPrint.

render.py (Book -> print HTML), writer.py (HTML -> PDF through the sandbox), tags.py (the tagged PDF's fixes and
the press edition's prepress), impose.py (the booklet), sheet.py (the desk sheet's parts and fit), tablewidth.py
(tables past the page), pagemap.py (where printed pages start, for the EPUB's page list), job.py (the jobs)."""
from handout.targets.base import Target, register

PRINT = register(Target(
    "pdf", "PDF", "print", ("print.html",),
    ("assets/css/base.css", "assets/css/print.css", "assets/css/icon-array-text.css"), ".pdf",
    per_edition=True, own_inputs=("assets/css/print.css", "layouts/print.html", "assets/css/editions/"),
    capabilities={"paged": True}, help="skip the PDF", job="handout.targets.pdf.job:pdf_job",
    summary="one per edition listed in print.editions (below)"))
