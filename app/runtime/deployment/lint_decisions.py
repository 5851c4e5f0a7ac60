"""Decision tables in a bundle (issue 16): each business rule task calls a decision one of the
bundle's DMN files defines, and each DMN file is called by one of its diagrams (a table nobody
calls would deploy as nothing). Each problem names the file, the line and the element."""

from __future__ import annotations

from lxml import etree

from app.runtime.deployment.bpmn_source import DeployProblem, is_decision_file
from app.runtime.deployment.feel import unreadable_cells
from app.runtime.engine.parsing import called_decisions, decisions_defined


def lint_decisions(trees: dict[str, etree._ElementTree]) -> list[DeployProblem]:
    """The problems of one bundle's decisions: unknown ones called, and DMN files nobody calls."""
    defined = {decision: name for name, tree in trees.items() for decision, _ in decisions_defined(tree)}
    called = {decision for tree in trees.values() for _, decision, _ in called_decisions(tree)}
    problems = []
    for name, tree in sorted(trees.items()):
        for element_id, decision, line in called_decisions(tree):
            if not decision:
                problems.append(DeployProblem(name, line, element_id or None,
                                              "the business rule task names no decision (calledDecisionId is empty)"))
            elif decision not in defined:
                known = ", ".join(sorted(defined)) or "none: deploy the .dmn file with this diagram"
                problems.append(DeployProblem(name, line, element_id or None,
                                              f"calls decision {decision!r}, which no file defines (defined: {known})"))
        if is_decision_file(name):
            problems.extend(DeployProblem(name, line, None, (
                f"the rule cell {text!r} is neither FEEL this engine reads (a value, a comparison such as >= 8, an "
                'interval such as [8..15[, a list such as "a","b", not(...), or - for any) nor a Python expression'))
                for line, text in unreadable_cells(tree))
            decisions = decisions_defined(tree)
            if not decisions:
                problems.append(DeployProblem(name, tree.getroot().sourceline, None,
                                              f"nothing to deploy: {name} defines no decision"))
            elif not any(decision in called for decision, _ in decisions):
                listed = ", ".join(repr(decision) for decision, _ in decisions)
                problems.append(DeployProblem(name, decisions[0][1], decisions[0][0], (
                    f"no diagram deployed with {name} calls its decisions ({listed}): deploy it together with the "
                    "diagram whose business rule task calls one")))
    return problems
