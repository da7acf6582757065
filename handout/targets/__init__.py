"""The output formats. Each is a package that owns its renderer, job and writer and registers its entry in the
registry (base.py), imported here in the order of the outputs: PDF, EPUB, web page."""
from handout.targets.base import TARGETS, Target, depends, label, output_file, outputs_table, register, target, unit
# isort: off  (the order of registration is the order of the outputs everywhere)
from handout.targets.pdf import PRINT
from handout.targets.epub import EPUB
from handout.targets.web import WEB
# isort: on

__all__ = ["TARGETS", "Target", "depends", "label", "output_file", "outputs_table", "register", "target", "unit",
           "PRINT", "EPUB", "WEB"]
