"""The public API of skmulti, read from ``__all__``, and the API reference page.

The public names are ``skmulti.__all__`` and the ``__all__`` of every public
submodule of skmulti (a module whose name does not start with ``_``), so a new
name, or a new public module, appears in the API reference without editing the
docs. ``docs/conf.py`` writes ``docs/api.rst`` with :func:`write_api_page` at
each build; ``tests/test_docs_build.py`` reads the same lists.
"""

import importlib
import inspect
import pkgutil
from pathlib import Path

#: Submodules that are not part of the library's API (the command line).
NOT_API = {"__main__"}


def public_modules():
    """``["skmulti", "skmulti.datasets", ...]``: skmulti and its public submodules."""
    import skmulti

    names = sorted(
        info.name
        for info in pkgutil.iter_modules(skmulti.__path__)
        if not info.name.startswith("_") and info.name not in NOT_API
    )
    return ["skmulti", *(f"skmulti.{name}" for name in names)]


def public_names(module_name):
    """The names a module exports, from its ``__all__``, dunder names excepted."""
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        raise RuntimeError(
            f"{module_name} is a public module (no leading underscore in its name) "
            "but has no __all__, so the API reference cannot tell its public names. "
            f"Add __all__ = [...] to {module.__file__}, or rename the module with a "
            "leading underscore if it is private."
        )
    return [name for name in exported if not name.startswith("__")]


def public_objects():
    """``{"skmulti.metrics.amount_scorer": <function>, ...}``: every public name."""
    return {
        f"{module_name}.{name}": getattr(importlib.import_module(module_name), name)
        for module_name in public_modules()
        for name in public_names(module_name)
    }


def is_documented_object(obj):
    """Classes and functions carry a numpydoc docstring; data a ``#:`` comment."""
    return inspect.isclass(obj) or inspect.isroutine(obj)


def api_page():
    """The text of ``api.rst``: one section a module, one autosummary table each."""
    import skmulti

    lines = [
        ".. Written by docs/conf.py (with docs/apigen.py) at each build: do not edit.",
        "",
        "API reference",
        "=============",
        "",
        "Every public name of skmulti: ``skmulti.__all__`` and the ``__all__`` of",
        f"each public module. This is skmulti {skmulti.__version__}",
        "(``skmulti.__version__``).",
        "",
    ]
    for module_name in public_modules():
        title = f"``{module_name}``"
        lines += [
            title,
            "-" * len(title),
            "",
            f".. automodule:: {module_name}",
            "   :no-members:",
            "",
            f".. currentmodule:: {module_name}",
            "",
            ".. autosummary::",
            "   :toctree: generated",
            "   :nosignatures:",
            "",
            *(f"   {name}" for name in public_names(module_name)),
            "",
        ]
    return "\n".join(lines)


def write_api_page(path):
    """Write :func:`api_page` to ``path`` (only when it changed) and remove the pages
    of names no longer public from ``generated/`` beside it."""
    path = Path(path)
    text = api_page()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    full_names = set(public_objects())
    for stale in (path.parent / "generated").glob("*.rst"):
        if stale.stem not in full_names:
            stale.unlink()
