"""Sphinx configuration of skmulti's documentation site.

Build it from the repository root (no network needed)::

    python -m sphinx -W -b html docs docs/_build/html

and open ``docs/_build/html/index.html``. The gallery runs every
``examples/plot_*.py``; with ``SKMULTI_DOCS_FAST=1`` (or ``CI`` set) they run in
their quick mode (``SKMULTI_FAST=1``: fewer rows and epochs).
"""

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# The checkout's skmulti, not an installed copy; apigen.py beside this file.
sys.path[:0] = [str(ROOT), str(DOCS)]


def _flag(name):
    return os.environ.get(name, "") not in ("", "0", "false", "False")


FAST = _flag("SKMULTI_DOCS_FAST") or _flag("CI") or _flag("SKMULTI_FAST")
if FAST:
    os.environ["SKMULTI_FAST"] = "1"  # read by the examples when the gallery runs them
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import apigen  # noqa: E402

import skmulti  # noqa: E402

project = "skmulti"
author = "skmulti developers"
copyright = "skmulti developers"  # noqa: A001 (Sphinx's name)
version = release = skmulti.__version__

root_doc = "index"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
# No sphinx.ext.intersphinx: it fetches inventories over the network, which CI has
# not; references to scikit-learn and NumPy objects stay plain text.
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
]

# -- API reference: api.rst is written from the modules' __all__ ----------------------
apigen.write_api_page(DOCS / "api.rst")
autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # types are written in the numpydoc docstrings
# numpydoc's own member tables would list methods without pages of their own (each a
# "toctree references unknown document" warning); autodoc's :members: in
# _templates/autosummary/class.rst documents them instead.
numpydoc_show_class_members = False

# -- Markdown pages (index.md, modelling.md, model_selection.md) ----------------------
myst_heading_anchors = 3

# -- The gallery: examples/plot_*.py, executed ---------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("skmulti",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skmulti": None},
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
}

html_theme = "alabaster"
html_title = f"skmulti {release}"
html_static_path = []


def _skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Leave out the members scikit-learn provides (the ``set_*_request`` methods of
    metadata routing): scikit-learn documents them, and their docstrings refer to its
    glossary, which this site has not."""
    if what == "class" and getattr(obj, "__module__", "").startswith("sklearn."):
        return True
    return None


# "name : type" lines of numpydoc sections; in the type, a word that ends in "_"
# (``ndarray of shape (n_features_in_,)``) is an attribute's name, which reST would read
# as a link to a target of that name ("Unknown target name").
_FIELD = re.compile(r"^(\s*\*{0,2}\w+(?:, \*{0,2}\w+)* : )(.+)$")
_ATTRIBUTE_NAME = re.compile(r"(?<![`\w])(\w+_)(?=[,)\s]|$)")


def _quote_attribute_names_in_types(app, what, name, obj, options, lines):
    """Quote ``n_features_in_`` in the type of a numpydoc field, as scikit-learn's
    docstrings do; runs before numpydoc turns the fields into reST."""
    for i, line in enumerate(lines):
        field = _FIELD.match(line)
        if field:
            head, kind = field.groups()
            lines[i] = head + _ATTRIBUTE_NAME.sub(r"``\1``", kind)


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_members)
    # Before numpydoc's own handler (priority 500) has rendered the sections.
    app.connect(
        "autodoc-process-docstring", _quote_attribute_names_in_types, priority=400
    )
