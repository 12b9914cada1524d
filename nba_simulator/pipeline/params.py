"""The parameter contract of the stage notebooks (after papermill's ``inspection``).

Every stage notebook declares its parameters in ONE cell tagged ``parameters``, with a type
annotation (``sample: Optional[int] = None  # help``). :func:`declared` reads them with
``papermill.inspect_notebook`` and :func:`validate` checks what the user passed BEFORE anything
runs: an unknown name or a value of the wrong type is a :class:`ParameterError` (exit 2), never a
warning in the middle of a run (papermill itself only logs "Passed unknown parameter").

Values from the command line (``-p NAME VALUE``) are strings; :func:`coerce` turns them into the
declared type (``int``, ``float``, ``bool``, ``str``, ``Optional[...]``, ``list[str]``).
"""

from __future__ import annotations

import ast
import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import papermill

from nba_simulator.asof import parse_as_of
from nba_simulator.errors import ParameterError

#: Parameters whose values must be ISO dates (``YYYY-MM-DD``), whatever their declared type.
DATE_PARAMS = frozenset({"as_of"})

_OPTIONAL = re.compile(r"^Optional\[\s*(\w+)\s*\]$")
_LIST = re.compile(r"^(?:list|List)\[\s*(\w+)\s*\]$")
_SCALARS = ("str", "int", "float", "bool")
_NONE_WORDS = {"none", "null", ""}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass
class Param:
    """One declared parameter, merged over every stage that declares it."""

    name: str
    type: str  # "int", "Optional[int]", "list[str]", ...
    default: Any
    help: str = ""
    stages: list[str] = field(default_factory=list)
    #: each declaring stage's own default and meaning (``top`` is 10 rows in one stage, 25 in another)
    defaults: dict[str, Any] = field(default_factory=dict)
    helps: dict[str, str] = field(default_factory=dict)

    @property
    def uniform(self) -> bool:
        """Whether every declaring stage has the same default (then it is a run-wide value)."""
        values = list(self.defaults.values()) or [self.default]
        return all(v == values[0] for v in values)


def _type_of_default(default_src: str) -> str:
    try:
        value = ast.literal_eval(default_src)
    except (ValueError, SyntaxError):
        return "str"  # an expression: accept a string (papermill injects literals anyway)
    if value is None:
        return "Optional[str]"
    if isinstance(value, bool):
        return "bool"
    if type(value) in (int, float, str):
        return type(value).__name__
    if isinstance(value, list):
        return "list[str]"
    return "str"


def _normalise_type(annotation: str, default_src: str, where: str) -> str:
    annotation = (annotation or "").strip().strip("'\"")
    if annotation in ("", "None"):
        return _type_of_default(default_src)
    m = _OPTIONAL.match(annotation)
    inner = m.group(1) if m else None
    m_list = _LIST.match(annotation)
    if annotation in _SCALARS or (inner in _SCALARS) or (m_list and m_list.group(1) in _SCALARS):
        return annotation
    raise ParameterError(
        f"{where}: unsupported parameter type {annotation!r} (use str, int, float, bool, Optional[...] or list[...])"
    )


def _literal(src: str) -> Any:
    try:
        return ast.literal_eval(src)
    except (ValueError, SyntaxError):
        return src


def declared(notebooks: Mapping[str, str | Path]) -> dict[str, Param]:
    """The parameters declared by each notebook (``{stage: path}``), merged by name.

    A notebook without a ``parameters`` cell, or two notebooks that give one name two types,
    is an error of the notebooks themselves (reported as ParameterError naming them).
    """
    merged: dict[str, Param] = {}
    for stage, path in notebooks.items():
        path = Path(path)
        if not path.exists():
            raise ParameterError(f"stage {stage}: notebook not found: {path}")
        found = papermill.inspect_notebook(str(path))
        if not found:
            raise ParameterError(f"{path}: no cell tagged 'parameters'")
        for name, info in found.items():
            type_ = _normalise_type(info.get("inferred_type_name", ""), info.get("default", ""), f"{path.name}: {name}")
            default = _literal(info.get("default", ""))
            if name in merged:
                if merged[name].type != type_:
                    raise ParameterError(
                        f"parameter {name!r} is {merged[name].type} in {merged[name].stages[0]} but {type_} in {stage}"
                    )
                merged[name].stages.append(stage)
            else:
                merged[name] = Param(name, type_, default, (info.get("help") or "").strip(), [stage])
            merged[name].defaults[stage] = default
            merged[name].helps[stage] = (info.get("help") or "").strip()
    return merged


def coerce(name: str, value: Any, type_: str) -> Any:
    """``value`` (a CLI string or a Python value) as ``type_``; ParameterError when impossible."""
    m = _OPTIONAL.match(type_)
    if m:
        if value is None or (isinstance(value, str) and value.strip().lower() in _NONE_WORDS):
            return None
        return coerce(name, value, m.group(1))
    m = _LIST.match(type_)
    if m:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except ValueError:
                    raise ParameterError(f"parameter {name}: not a JSON list: {value!r}") from None
            else:
                value = [v.strip() for v in text.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ParameterError(f"parameter {name}: expected a list, got {value!r}")
        return [coerce(name, v, m.group(1)) for v in value]
    if value is None:
        raise ParameterError(f"parameter {name}: expected {type_}, got None")
    if type_ == "str":
        if isinstance(value, (str, Path)):
            return str(value)
        raise ParameterError(f"parameter {name}: expected a string, got {value!r}")
    if type_ == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ParameterError(f"parameter {name}: expected true/false, got {value!r}")
    if type_ == "int":
        if isinstance(value, bool):
            raise ParameterError(f"parameter {name}: expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        raise ParameterError(f"parameter {name}: expected an integer, got {value!r}")
    if type_ == "float":
        if isinstance(value, bool):
            raise ParameterError(f"parameter {name}: expected a number, got {value!r}")
        number = None
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                pass
        if number is not None and not math.isfinite(number):  # nan turns every comparison off
            raise ParameterError(f"parameter {name}: expected a finite number, got {value!r}")
        if number is not None:
            return number
        raise ParameterError(f"parameter {name}: expected a number, got {value!r}")
    raise ParameterError(f"parameter {name}: unsupported type {type_}")  # pragma: no cover


def check_date(name: str, value: Any) -> None:
    if value in (None, ""):
        return
    parse_as_of(value if isinstance(value, str) else str(value), f"parameter {name}")


def validate(decl: Mapping[str, Param], given: Mapping[str, Any]) -> dict[str, Any]:
    """The given parameters, checked against ``decl`` and coerced to their declared types.

    Raises ParameterError on the first unknown name (with the closest known names) or bad value.
    """
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in decl:
            close = difflib.get_close_matches(name, list(decl), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(decl))}"
            raise ParameterError(f"unknown parameter {name!r}{hint}")
        out[name] = coerce(name, value, decl[name].type)
        if name in DATE_PARAMS:
            check_date(name, out[name])
    return out


def run_defaults(decl: Mapping[str, Param]) -> dict[str, Any]:
    """The defaults that hold for the whole run: those every declaring stage agrees on. A
    parameter whose default differs by stage (``top``) is left out: each stage keeps its own."""
    return {name: p.default for name, p in decl.items() if p.uniform}


def for_stage(decl: Mapping[str, Param], values: Mapping[str, Any], stage: str) -> dict[str, Any]:
    """The parameters ``stage`` gets: the subset of ``values`` it declares (papermill gets nothing
    it does not know), and its own default for a parameter the run leaves to each stage."""
    out = {k: v for k, v in values.items() if k in decl and stage in decl[k].stages}
    for name, p in decl.items():
        if stage in p.stages and name not in out and stage in p.defaults:
            out[name] = p.defaults[stage]
    return out


def parse_pairs(pairs: Iterable[Iterable[str]] | None) -> dict[str, str]:
    """``[["sample", "10"], ...]`` from argparse ``-p NAME VALUE`` into a dict (last one wins)."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, value = list(pair)
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ParameterError(f"not a parameter name: {name!r}")
        out[name] = value
    return out


def describe(decl: Mapping[str, Param]) -> str:
    """A help text listing every parameter, its type, default and stages."""
    lines = []
    for p in sorted(decl.values(), key=lambda p: p.name):
        helps = {p.helps.get(s, p.help) for s in p.stages}
        if p.uniform and len(helps) <= 1:
            lines.append(
                f"  {p.name}: {p.type} = {p.default!r}  [{', '.join(p.stages)}]" + (f"  {p.help}" if p.help else "")
            )
            continue
        lines.append(f"  {p.name}: {p.type}  (each stage its own default)")
        for s in p.stages:
            meaning = p.helps.get(s, "")
            lines.append(f"      {s}: {p.defaults.get(s, p.default)!r}" + (f"  {meaning}" if meaning else ""))
    return "\n".join(lines)
