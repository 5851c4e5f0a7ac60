"""Issue 16 item 6: a decision table's versions compared rule by rule — hit policy, columns, rules
added, removed, moved (the order decides under FIRST) and cells changed, by the column's label."""

from __future__ import annotations

from app.runtime.decision_compare import CellChange, ColumnChange, RuleChange, compare_tables, decision_tables
from tests.conftest import TEST_BPMN

TABLE = (TEST_BPMN / "cut_window.dmn").read_text(encoding="utf-8")
R1 = TABLE[TABLE.index("      <rule id=\"r1\">"):TABLE.index("      <rule id=\"r2\">")]
R2 = TABLE[TABLE.index("      <rule id=\"r2\">"):TABLE.index("      <rule id=\"r3\">")]


def diff(new: str, old: str = TABLE) -> list[object]:
    a = decision_tables({"decide.bpmn": b"<not read/>", "cut_window.dmn": old.encode()})
    b = decision_tables({"cut_window.dmn": new.encode()})
    return list(compare_tables(a, b))


def test_an_unchanged_table_has_no_difference() -> None:
    assert diff(TABLE) == []


def test_a_moved_window_end_is_one_cell_of_one_rule() -> None:
    [table] = diff(TABLE.replace("[8..15[", "[8..17["))
    assert table.rules == (RuleChange("changed", "r2", 2, 2, (CellChange("Hour (Beijing)", "[8..15[", "[8..17["),)),)
    assert (table.kind, table.hit_policy, table.columns) == ("changed", None, ())


def test_rules_swapped_are_moved_and_a_new_rule_lists_its_cells() -> None:
    swapped = TABLE.replace(R1 + R2, R2 + R1)
    [table] = diff(swapped)
    assert [(r.kind, r.rule_id, r.row_a, r.row_b) for r in table.rules] == [("moved", "r2", 2, 1),
                                                                           ("moved", "r1", 1, 2)]
    added = TABLE.replace(R2, R2 + R2.replace('"r2', '"r9').replace('"working_day"', '"weekend"'))
    [table] = diff(added)
    [rule] = table.rules
    assert (rule.kind, rule.rule_id, rule.row_b) == ("added", "r9", 3)
    assert [(c.column, c.new) for c in rule.cells][:2] == [("Customer class", ""), ("Day type", '"weekend"')]
    [table] = diff(TABLE.replace(R1, ""))
    assert [(r.kind, r.rule_id, r.row_a) for r in table.rules] == [("removed", "r1", 1)]


def test_hit_policy_and_columns_are_named() -> None:
    changed = TABLE.replace('hitPolicy="FIRST"', 'hitPolicy="UNIQUE"').replace('label="Day type"', 'label="Day kind"')
    [table] = diff(changed)
    assert table.hit_policy == ("FIRST", "UNIQUE")
    assert table.columns == (ColumnChange("changed", "input", "Day kind", "Day type · day_type : string",
                                          "Day kind · day_type : string"),)


def test_a_decision_removed_or_added_is_said_whole() -> None:
    renamed = TABLE.replace('id="may_cut"', 'id="may_cut_now"')
    assert [(t.decision_id, t.kind) for t in diff(renamed)] == [("may_cut", "removed"), ("may_cut_now", "added")]
