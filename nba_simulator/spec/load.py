"""Load and validate a lake spec. Every error names the file and the line, before any work starts."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .. import seasons as season_math
from ..errors import BadInput, SpecError
from ..inputs import MAX_SPEC_BYTES, read_regular
from .database import parse_database
from .fields import MAX_DAYS, FieldReader
from .lines import LineLoader, check_expansion
from .lines import LineMap as _Map
from .lines import LineSeq as _Seq
from .model import (
    CONTENT_FORMATS,
    DEFAULT_PRIORITIES,
    IDENTIFYING_BY_PER,
    OPEN_SEASON_ENDS,
    PER_VALUES,
    PLACEHOLDERS_BY_PER,
    PRIORITIES,
    SEASON_TYPES,
    ContentRule,
    Dataset,
    InventorySource,
    PriorityRule,
    Spec,
    TaskRules,
)
from .template import KeyTemplate, TemplateError, overlapping

DEFAULT_SPEC = "default"  # the packaged spec for the real bucket layout


def default_spec_path() -> Path:
    return Path(str(resources.files("nba_simulator") / "data" / "default_spec.yaml"))


def load_spec(path: str | Path, as_of=None) -> Spec:
    """Read and validate a spec file; ``"default"`` is the packaged spec of the real bucket.
    With ``as_of``, open season ranges (``2002-03..current``) are resolved at it (``Spec.at``).
    Only a regular file of at most ``MAX_SPEC_BYTES`` is read (a FIFO would block for ever)."""
    path = default_spec_path() if str(path) == DEFAULT_SPEC else Path(path)
    try:
        data = read_regular(path, MAX_SPEC_BYTES, "spec")
    except BadInput as exc:
        raise SpecError(str(exc).split(": ", 1)[-1], str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"cannot read spec: not UTF-8 text (byte {exc.start})", str(path)) from None
    spec = parse_spec(text, str(path))
    return spec.at(as_of) if as_of is not None else spec


def parse_spec(text: str, name: str = "<spec>") -> Spec:
    try:
        loader = LineLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters at once
        raise SpecError(f"YAML error: {' '.join(str(exc).split())}", name) from None
    loader.name = name
    try:
        node = loader.get_single_node()
        if node is not None:
            check_expansion(node, name)
        doc = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SpecError(f"YAML syntax error: {exc.problem}", name, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {' '.join(str(exc).split())}", name) from None
    except RecursionError:
        raise SpecError("YAML nested too deeply", name) from None
    finally:
        loader.dispose()
    return _Validator(name).spec(doc)


class _Validator(FieldReader):
    """The spec's sections, each checked as it is read (the fields: :class:`.fields.FieldReader`)."""

    TOP = {"version", "schedule", "exclude", "datasets", "priorities", "tasks", "database", "inventory"}
    DATASET = {
        "source",
        "data_type",
        "keys",
        "per",
        "seasons",
        "season_types",
        "required",
        "min_bytes",
        "freshness_days",
        "scraper",
        "content",
    }
    CONTENT = {"format", "non_empty", "min_rows", "columns", "header"}
    RULE = {
        "priority",
        "required",
        "within_days",
        "season",
        "max_completeness",
        "min_completeness",
        "statuses",
        "datasets",
    }
    TASKS = {"batch_size", "max_per_priority", "scrapers"}
    INVENTORY = {"uri", "max_age_days"}

    def spec(self, doc: Any) -> Spec:
        if doc is None:
            raise self.fail("the spec is empty")
        doc = self.mapping(doc, "the spec", self.TOP)
        if doc.get("version") != 1:
            raise self.fail(f"version must be 1, got {doc.get('version')!r}", doc, "version")
        schedule = doc.get("schedule", "builtin")
        if not isinstance(schedule, str) or not schedule:
            raise self.fail("schedule must be 'builtin', 'db' or a path", doc, "schedule")
        exclude = doc.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(e, str) and e for e in exclude):
            raise self.fail("exclude must be a list of key prefixes", doc, "exclude")
        datasets_doc = doc.get("datasets")
        if not isinstance(datasets_doc, _Map) or not datasets_doc:
            raise self.fail("datasets must be a non-empty mapping", doc, "datasets")
        self.text_keys(datasets_doc, "datasets")
        datasets = tuple(self.dataset(n, datasets_doc[n], datasets_doc) for n in datasets_doc)
        self.check_overlaps(datasets, datasets_doc)
        self.check_excluded(datasets, exclude, doc)
        priorities = self.priorities(doc["priorities"], doc) if "priorities" in doc else DEFAULT_PRIORITIES
        tasks = self.tasks(doc["tasks"], doc, datasets) if "tasks" in doc else TaskRules()
        database = None
        if "database" in doc or schedule == "db":
            if "database" not in doc:
                raise self.fail("schedule: db needs a database section (database.games)", doc, "schedule")
            database = parse_database(self, doc["database"], doc, datasets, schedule)
        inventory = self.inventory(doc["inventory"], doc) if doc.get("inventory") is not None else None
        return Spec(self.name, 1, schedule, tuple(exclude), datasets, priorities, tasks, database, inventory=inventory)

    def inventory(self, value: Any, doc: _Map) -> InventorySource:
        """``inventory: URI`` or ``{uri, max_age_days}``: S3 Inventory reports as the source."""
        if isinstance(value, str):
            value = _Map(uri=value)
            value.line, value.key_lines = doc.key_lines.get("inventory", doc.line), {}
        inv = self.mapping(value, "inventory", self.INVENTORY, doc, "inventory")
        uri = inv.get("uri")
        if not isinstance(uri, str) or not uri:
            raise self.fail("inventory: uri must be s3://bucket/prefix/ or a folder", inv, "uri")
        age = inv.get("max_age_days")
        if age is not None and (isinstance(age, bool) or not isinstance(age, (int, float)) or not 0 <= age <= MAX_DAYS):
            raise self.fail(f"inventory: max_age_days must be a number of days >= 0, got {age!r}", inv, "max_age_days")
        return InventorySource(uri, float(age) if age is not None else None, inv.line)

    def dataset(self, name: str, d: Any, parent: _Map) -> Dataset:
        what = f"dataset {name!r}"
        d = self.mapping(d, what, self.DATASET, parent, name)
        for req in ("source", "data_type", "keys", "per", "seasons"):
            if req not in d:
                raise self.fail(f"{what} lacks the required field {req!r}", d)
        per = d["per"]
        if per not in PER_VALUES:
            raise self.fail(f"{what}: per must be one of {', '.join(PER_VALUES)}, got {per!r}", d, "per")
        keys = d["keys"]
        keys = _Seq([keys]) if isinstance(keys, str) else keys
        if not isinstance(keys, list) or not keys:
            raise self.fail(f"{what}: keys must be a template or a list of templates", d, "keys")
        layouts = []
        for k in keys:
            try:
                t = KeyTemplate.compile(k)
            except TemplateError as exc:
                raise self.fail(f"{what}: {exc}", d, "keys") from None
            missing = set(t.placeholders) - PLACEHOLDERS_BY_PER[per]
            if missing:
                raise self.fail(
                    f"{what}: placeholder {{{sorted(missing)[0]}}} cannot be filled for per: {per}", d, "keys"
                )
            names = IDENTIFYING_BY_PER.get(per)
            if names and not names & set(t.placeholders):
                raise self.fail(
                    f"{what}: layout {t.text!r} names no placeholder telling its items apart "
                    f"(per: {per} needs one of {', '.join('{' + n + '}' for n in sorted(names))})",
                    d,
                    "keys",
                )
            layouts.append(t)
        seasons, seasons_open = self.season_list(d["seasons"], d, what)
        types = d.get("season_types", ["regular", "playoffs"])
        if isinstance(types, str):
            types = [types]
        bad = [t for t in types if t not in SEASON_TYPES]
        if not isinstance(types, list) or not types or bad:
            raise self.fail(
                f"{what}: unknown season type {bad[0] if bad else types!r} (allowed: {', '.join(SEASON_TYPES)})",
                d,
                "season_types",
            )
        return Dataset(
            name=name,
            source=self.text(d, "source", what),
            data_type=self.text(d, "data_type", what),
            layouts=tuple(layouts),
            per=per,
            seasons=tuple(seasons),
            season_types=tuple(types),
            required=self.boolean(d, "required", what, True),
            min_bytes=self.integer(d, "min_bytes", what, 0),
            freshness_days=self.integer(d, "freshness_days", what, None),
            scraper=self.text(d, "scraper", what) if "scraper" in d else None,
            line=parent.key_lines.get(name),
            content=self.content(d["content"], d, what) if "content" in d else None,
            seasons_open=seasons_open,
        )

    def content(self, c: Any, d: _Map, what: str) -> ContentRule:
        what = f"{what}: content"
        c = self.mapping(c, what, self.CONTENT, d, "content")
        fmt = c.get("format")
        if fmt not in CONTENT_FORMATS:
            raise self.fail(f"{what}: format must be one of {', '.join(CONTENT_FORMATS)}, got {fmt!r}", c, "format")
        paths = c.get("non_empty")
        if fmt == "json":
            paths = [paths] if isinstance(paths, str) else paths
            if (
                not isinstance(paths, list)
                or not paths
                or not all(isinstance(p, str) and p and all(p.split(".")) for p in paths)
            ):
                raise self.fail(
                    f"{what}: json needs non_empty: a dotted path (or a list of them) "
                    f"to the list that must not be empty, like page.content.plays",
                    c,
                    "non_empty" if "non_empty" in c else None,
                )
        elif paths is not None:
            raise self.fail(f"{what}: non_empty applies to json only (use min_rows for {fmt})", c, "non_empty")
        columns = c.get("columns", [])
        if fmt == "json" and "columns" in c:
            raise self.fail(f"{what}: columns apply to csv and parquet only", c, "columns")
        if not isinstance(columns, list) or not all(isinstance(x, str) and x for x in columns):
            raise self.fail(f"{what}: columns must be a list of column names", c, "columns")
        if "header" in c and fmt != "csv":
            raise self.fail(f"{what}: header applies to csv only", c, "header")
        header = self.boolean(c, "header", what, True)
        if fmt == "csv" and columns and not header:
            raise self.fail(f"{what}: columns need a header row (header: true)", c, "columns")
        return ContentRule(
            fmt, tuple(paths or ()), self.integer(c, "min_rows", what, 1), tuple(columns), bool(header), c.line
        )

    def season_list(self, value: Any, d: _Map, what: str) -> tuple[list[str], tuple[str, str] | None]:
        """``(seasons, open_range)``: a fixed range or list gives its seasons and ``None``; an
        open range ``2002-03..current`` (or ``..previous``) gives ``[]`` and ``(first, end)``,
        resolved at the run's ``as_of`` by ``Spec.at``."""
        try:
            if isinstance(value, str) and ".." in value:
                first, last = (s.strip() for s in value.split("..", 1))
                if last in OPEN_SEASON_ENDS:
                    season_math.start_year(first)  # validates the first season
                    return [], (first, last)
                return season_math.season_range(first, last), None
            if isinstance(value, str):
                return [season_math.label(season_math.start_year(value))], None
            if isinstance(value, list) and value:
                return [season_math.label(season_math.start_year(str(v))) for v in value], None
        except BadInput as exc:
            raise self.fail(f"{what}: bad seasons: {exc}", d, "seasons") from None
        raise self.fail(f"{what}: seasons must be like 2002-03..2024-25, 2002-03..current or a list", d, "seasons")

    def check_overlaps(self, datasets: tuple[Dataset, ...], doc: _Map) -> None:
        for i, a in enumerate(datasets):
            for b in datasets[i + 1 :]:
                for ta in a.layouts:
                    for tb in b.layouts:
                        key = overlapping(ta, tb)
                        if key:
                            raise self.fail(
                                f"datasets {a.name!r} and {b.name!r} both claim keys like {key!r} "
                                f"({ta.text!r} vs {tb.text!r})",
                                doc,
                                b.name,
                            )

    def check_excluded(self, datasets, exclude, doc) -> None:
        for d in datasets:
            for t in d.layouts:
                for e in exclude:
                    if t.literal_prefix.startswith(e):
                        raise self.fail(
                            f"dataset {d.name!r} lives under the excluded prefix {e!r}", doc["datasets"], d.name
                        )

    def priorities(self, rules: Any, doc: _Map) -> tuple[PriorityRule, ...]:
        if not isinstance(rules, list) or not rules:
            raise self.fail("priorities must be a non-empty list of rules", doc, "priorities")
        out = []
        for r in rules:
            what = "priority rule"
            r = self.mapping(r, what, self.RULE, rules)
            if r.get("priority") not in PRIORITIES:
                raise self.fail(
                    f"{what}: priority must be one of {', '.join(PRIORITIES)}, got {r.get('priority')!r}", r, "priority"
                )
            season = r.get("season")
            if season is not None and season not in ("current", "previous", "older"):
                raise self.fail(f"{what}: season must be current, previous or older", r, "season")
            out.append(
                PriorityRule(
                    priority=r["priority"],
                    required=self.boolean(r, "required", what, None),
                    within_days=self.integer(r, "within_days", what, None),
                    season=season,
                    max_completeness=self.number(r, "max_completeness", what),
                    min_completeness=self.number(r, "min_completeness", what),
                    statuses=tuple(r["statuses"]) if "statuses" in r else None,
                    datasets=tuple(r["datasets"]) if "datasets" in r else None,
                    line=r.line,
                )
            )
        return tuple(out)

    def tasks(self, t: Any, doc: _Map, datasets) -> TaskRules:
        t = self.mapping(t, "tasks", self.TASKS, doc, "tasks")
        batch = self.integer(t, "batch_size", "tasks", 100)
        if batch < 1:
            raise self.fail("tasks: batch_size must be at least 1", t, "batch_size")
        caps = t.get("max_per_priority", {})
        if (
            not isinstance(caps, dict)
            or any(k not in PRIORITIES for k in caps)
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in caps.values())
        ):
            raise self.fail("tasks: max_per_priority maps CRITICAL/HIGH/MEDIUM/LOW to counts", t, "max_per_priority")
        scrapers = t.get("scrapers", {})
        if not isinstance(scrapers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in scrapers.items()
        ):
            raise self.fail("tasks: scrapers maps a dataset or source name to a scraper", t, "scrapers")
        return TaskRules(batch, dict(caps), dict(scrapers))
