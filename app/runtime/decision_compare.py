"""Compare the decision tables of two versions of a bundle, rule by rule (issue 16 item 6): which
decisions were added or removed, and for a changed one its hit policy, its input and output
columns, and its rules — added, removed, moved (the order decides under hit policy FIRST) or with
cells changed, each cell named by its column's label.

Tables are read from the ``.dmn`` files as written (dmn-js keeps the ids of decisions, columns and
rules across edits, so they are matched by id), not from the engine: what an analyst compares is
the table they edited, cells in FEEL as typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from app.runtime.deployment.bpmn_source import DeployError, is_decision_file, read_bpmn

ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"


@dataclass(frozen=True)
class Column:
    id: str
    label: str  # the label, else the input's expression or the output's name
    expression: str  # an input's expression, an output's name
    type_ref: str


@dataclass(frozen=True)
class Rule:
    id: str
    row: int  # 1-based, as the table shows it
    cells: dict[str, str]  # column id → the cell's text
    annotation: str


@dataclass(frozen=True)
class Table:
    """One decision's table as written in its file."""

    decision_id: str
    name: str
    file: str
    hit_policy: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    rules: tuple[Rule, ...]

    def label(self, column_id: str) -> str:
        return next((c.label for c in (*self.inputs, *self.outputs) if c.id == column_id), column_id)


@dataclass(frozen=True)
class CellChange:
    column: str  # its label
    old: str
    new: str


@dataclass(frozen=True)
class ColumnChange:
    kind: str  # added | removed | changed
    side: str  # "input" or "output"
    label: str
    old: str  # "expression : type" as it was ("" when added)
    new: str


@dataclass(frozen=True)
class RuleChange:
    kind: str  # added | removed | moved | changed
    rule_id: str
    row_a: int | None
    row_b: int | None
    cells: tuple[CellChange, ...] = ()  # changed: the cells that differ; added/removed: every cell


@dataclass(frozen=True)
class TableDiff:
    """A decision that differs: added, removed, or changed (how)."""

    decision_id: str
    name: str
    file: str
    kind: str  # added | removed | changed
    hit_policy: tuple[str, str] | None = None  # (old, new) when it changed
    columns: tuple[ColumnChange, ...] = ()
    rules: tuple[RuleChange, ...] = ()


def decision_tables(files: Mapping[str, bytes]) -> dict[str, Table]:
    """Every decision table of the bundle's ``.dmn`` files, by decision id (a file that cannot be
    read holds none: the deploy's check says why)."""
    found: dict[str, Table] = {}
    for name, data in sorted(files.items()):
        if not is_decision_file(name):
            continue
        try:
            root = read_bpmn(name, data).getroot()
        except DeployError:
            continue
        namespace = etree.QName(root).namespace
        for decision in root.iterfind(f"{{{namespace}}}decision"):
            table = decision.find(f"{{{namespace}}}decisionTable")
            if table is not None and decision.get("id"):
                found[str(decision.get("id"))] = _table(name, decision, table, namespace)
    return found


def compare_tables(a: Mapping[str, Table], b: Mapping[str, Table]) -> tuple[TableDiff, ...]:
    """What changed in the decision tables from ``a`` to ``b`` (unchanged tables are left out)."""
    diffs = [TableDiff(t.decision_id, t.name, t.file, REMOVED) for key, t in a.items() if key not in b]
    diffs += [TableDiff(t.decision_id, t.name, t.file, ADDED, rules=_whole_rules(t, ADDED)) for key, t in b.items()
              if key not in a]
    for key in (key for key in a if key in b):
        old, new = a[key], b[key]
        hit = (old.hit_policy, new.hit_policy) if old.hit_policy != new.hit_policy else None
        columns = (*_column_changes("input", old.inputs, new.inputs), *_column_changes("output", old.outputs,
                                                                                        new.outputs))
        rules = _rule_changes(old, new)
        if hit or columns or rules:
            diffs.append(TableDiff(key, new.name, new.file, CHANGED, hit, columns, rules))
    return tuple(diffs)


def _table(file: str, decision: etree._Element, table: etree._Element, ns: str) -> Table:
    inputs = tuple(Column(str(node.get("id", "")), _label(node.get("label"), _text(node, ns, "inputExpression")),
                          _text(node, ns, "inputExpression"),
                          _type_ref(node, ns))
                   for node in table.iterfind(f"{{{ns}}}input"))
    outputs = tuple(Column(str(node.get("id", "")), _label(node.get("label"), node.get("name")),
                           str(node.get("name", "")), str(node.get("typeRef", "")))
                    for node in table.iterfind(f"{{{ns}}}output"))
    rules = []
    for row, node in enumerate(table.iterfind(f"{{{ns}}}rule"), start=1):
        entries = [*node.iterfind(f"{{{ns}}}inputEntry")], [*node.iterfind(f"{{{ns}}}outputEntry")]
        cells = {column.id: _text(entry, ns) for columns, found in zip((inputs, outputs), entries, strict=True)
                 for column, entry in zip(columns, found, strict=False)}
        rules.append(Rule(str(node.get("id", f"row {row}")), row, cells, _folded(node.find(f"{{{ns}}}description"))))
    return Table(str(decision.get("id")), _label(decision.get("name"), decision.get("id")), file,
                 str(table.get("hitPolicy", "UNIQUE")), inputs, outputs, tuple(rules))


def _text(node: etree._Element | None, ns: str, child: str | None = None) -> str:
    """The ``<text>`` of the node (or of its ``child``), whitespace folded."""
    holder = node.find(f"{{{ns}}}{child}") if node is not None and child else node
    return _folded(holder.find(f"{{{ns}}}text") if holder is not None else None)


def _folded(node: etree._Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def _type_ref(node: etree._Element, ns: str) -> str:
    expression = node.find(f"{{{ns}}}inputExpression")
    return str((expression if expression is not None else node).get("typeRef", ""))


def _label(label: str | None, fallback: str | None) -> str:
    return " ".join((label or fallback or "").split())


def _column_changes(side: str, old: tuple[Column, ...], new: tuple[Column, ...]) -> list[ColumnChange]:
    before, after = {c.id: c for c in old}, {c.id: c for c in new}
    changes = [ColumnChange(REMOVED, side, c.label, _column_text(c), "") for c in old if c.id not in after]
    changes += [ColumnChange(ADDED, side, c.label, "", _column_text(c)) for c in new if c.id not in before]
    changes += [ColumnChange(CHANGED, side, c.label, _column_text(before[c.id]), _column_text(c)) for c in new
                if c.id in before and (before[c.id].label, _column_text(before[c.id])) != (c.label, _column_text(c))]
    return changes


def _column_text(column: Column) -> str:
    return f"{column.label} · {column.expression} : {column.type_ref}" if column.type_ref else \
        f"{column.label} · {column.expression}"


def _rule_changes(old: Table, new: Table) -> tuple[RuleChange, ...]:
    before, after = {r.id: r for r in old.rules}, {r.id: r for r in new.rules}
    kept_a = [r.id for r in old.rules if r.id in after]
    kept_b = [r.id for r in new.rules if r.id in before]
    shared = [c.id for c in (*new.inputs, *new.outputs) if c.id in {k.id for k in (*old.inputs, *old.outputs)}]
    changes = [RuleChange(REMOVED, r.id, r.row, None, _cells(old, r)) for r in old.rules if r.id not in after]
    changes += [RuleChange(ADDED, r.id, None, r.row, _cells(new, r)) for r in new.rules if r.id not in before]
    for rule in new.rules:
        earlier = before.get(rule.id)
        if earlier is None:
            continue
        cells = tuple(CellChange(new.label(column), earlier.cells.get(column, ""), rule.cells.get(column, ""))
                      for column in shared if earlier.cells.get(column, "") != rule.cells.get(column, ""))
        if cells:
            changes.append(RuleChange(CHANGED, rule.id, earlier.row, rule.row, cells))
        elif kept_a.index(rule.id) != kept_b.index(rule.id):
            changes.append(RuleChange(MOVED, rule.id, earlier.row, rule.row))
    return tuple(sorted(changes, key=lambda c: (c.row_b or c.row_a or 0, c.kind)))


def _cells(table: Table, rule: Rule) -> tuple[CellChange, ...]:
    return tuple(CellChange(column.label, "", rule.cells.get(column.id, ""))
                 for column in (*table.inputs, *table.outputs))


def _whole_rules(table: Table, kind: str) -> tuple[RuleChange, ...]:
    return tuple(RuleChange(kind, r.id, None, r.row, _cells(table, r)) for r in table.rules)
