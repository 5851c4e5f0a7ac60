"""The shipped diagrams' layout (issue 13 item 4), read from their DI with lxml: no label overlaps
another label, a shape it does not belong to, or a flow; every shape and label lies in its pool,
its lane's body (right of the lane's name) and its subprocess; every drawn name has its label
bounds; and each label's bounds (or task's box) leave room for its name in English and in Chinese
(the catalog's translation the viewers show) at the size bpmn-js draws it. The check is proved on
a copy of a diagram with one label moved onto another and one made too small."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from lxml import etree

from app.translations.bpmn_names import labelled

ROOT = Path(__file__).resolve().parents[2]
FILES = ("disconnect.bpmn", "disconnect_customer.bpmn", "reconnect.bpmn")
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
HEADER = 30  # px bpmn-js gives a pool's and a lane's name, at their left
EXTERNAL_FONT, EMBEDDED_FONT, LINE = 11, 12, 1.2  # bpmn-js's label sizes and line height
TASK_PADDING = 7  # bpmn-js's padding around a task's name inside its box
MARKERS = 20  # px at the bottom of a collapsed subprocess that its markers (loop, +) take
CONTAINERS = ("participant", "lane", "subProcess")
# What bpmn-js labels outside the shape, where the DI's label bounds say (else at a default spot)
OUTSIDE = ("Event", "Gateway", "sequenceFlow")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.y + other.height and other.y < self.y + self.height)

    def inside(self, other: Box) -> bool:
        return (other.x <= self.x and other.y <= self.y and self.x + self.width <= other.x + other.width
                and self.y + self.height <= other.y + other.height)

    def crossed_by(self, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """Whether the straight line from ``start`` to ``end`` passes through the box (the flows
        of the shipped diagrams are drawn horizontal and vertical)."""
        (x1, y1), (x2, y2) = start, end
        if x1 != x2 and y1 != y2:  # a slanted segment: its box stands for it
            return self.overlaps(Box(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1)))
        return self.overlaps(Box(min(x1, x2) - 0.5, min(y1, y2) - 0.5, abs(x2 - x1) + 1, abs(y2 - y1) + 1))

    def body(self) -> Box:
        """A pool's or lane's area right of its name."""
        return Box(self.x + HEADER, self.y, self.width - HEADER, self.height)


@dataclass(frozen=True)
class Drawn:
    element_id: str
    kind: str  # the BPMN element's local name
    shape: Box | None  # None for a sequence flow
    label: Box | None
    name: str
    waypoints: tuple[tuple[float, float], ...] = ()  # a sequence flow's line


def bounds(node: etree._Element) -> Box:
    return Box(*(float(node.get(key)) for key in ("x", "y", "width", "height")))


@cache
def chinese() -> dict[str, str]:
    with (ROOT / "app/translations/zh/LC_MESSAGES/messages.po").open("rb") as source:
        return {m.id: m.string for m in read_po(source) if isinstance(m.id, str) and m.string}


def drawn(document: etree._ElementTree, plane: etree._Element) -> dict[str, Drawn]:
    """What one plane draws (the process, or a collapsed subprocess that bpmn-js opens on its own)."""
    found = {}
    for di in plane.xpath("bpmndi:BPMNShape | bpmndi:BPMNEdge", namespaces=NS):
        element_id = di.get("bpmnElement")
        [element] = document.xpath(f"//*[@id='{element_id}']")
        shape = di.find("dc:Bounds", NS)
        label = di.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        points = tuple((float(p.get("x")), float(p.get("y"))) for p in di.iterfind("di:waypoint", NS))
        found[element_id] = Drawn(element_id, etree.QName(element).localname,
                                  bounds(shape) if shape is not None else None,
                                  bounds(label) if label is not None else None, element.get("name") or "", points)
    return found


def text_width(text: str, size: float) -> float:
    """Generous: the widest of the fonts bpmn-js's "Arial, sans-serif" falls back to here."""
    def char(c: str) -> float:
        if ord(c) > 0x2E80:
            return 1.0
        if c == " ":
            return 0.32
        if c.isupper() or c.isdigit() or c in "mw?":
            return 0.72
        return 0.58 if c.isalpha() else 0.4
    return sum(char(c) for c in text) * size


def lines(text: str, width: float, size: float) -> int:
    """How many lines bpmn-js wraps ``text`` into at ``width``: at spaces, else anywhere."""
    count, line = 1, ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if text_width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            count, line = count + 1, ""
        while text_width(word, size) > width:  # a word wider than the box (Chinese) breaks anywhere
            cut = max(1, math.floor(len(word) * width / text_width(word, size)))
            count, word = count + 1, word[cut:]
        line = word
    return count


def room_problems(item: Drawn) -> list[str]:
    problems = []
    if item.name and item.label is None and item.kind.endswith(OUTSIDE):
        problems.append(f"{item.element_id}: no label bounds for {item.name!r}")
    for text in filter(None, {item.name, chinese().get(item.name, "")}):
        if item.label is not None:
            needed = lines(text, item.label.width, EXTERNAL_FONT) * EXTERNAL_FONT * LINE
            if needed > item.label.height + 2:
                problems.append(f"{item.element_id}: label {item.label} too small for {text!r} ({needed:.0f} px tall)")
        elif item.shape is not None and (item.kind.endswith("Task") or item.kind == "subProcess"):
            markers = MARKERS if item.kind == "subProcess" else 0
            needed = lines(text, item.shape.width - 2 * TASK_PADDING, EMBEDDED_FONT) * EMBEDDED_FONT * LINE
            if needed > item.shape.height - 2 * TASK_PADDING - markers + 2:
                problems.append(f"{item.element_id}: box {item.shape} too small for {text!r} ({needed:.0f} px tall)")
    return problems


def homes(document: etree._ElementTree, items: dict[str, Drawn]) -> dict[str, list[Box]]:
    """Where each element of a plane must lie: its pool's body, its lane's body, its (expanded)
    subprocess — those the plane draws."""
    pools = [item.shape for item in items.values() if item.kind == "participant" and item.shape]
    found: dict[str, list[Box]] = {element_id: [pool.body() for pool in pools] for element_id in items}
    for lane in document.xpath("//bpmn:lane", namespaces=NS):
        lane_box = items[lane.get("id")].shape if lane.get("id") in items else None
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            if lane_box is not None and ref.text in items:
                found[ref.text].append(lane_box.body())
    for sub in document.xpath("//bpmn:subProcess", namespaces=NS):
        sub_box = items[sub.get("id")].shape if sub.get("id") in items else None
        for child in sub.xpath(".//*[@id]"):
            if sub_box is not None and child.get("id") in items:
                found[child.get("id")].append(sub_box)
    return found


def layout_problems(document: etree._ElementTree) -> list[str]:
    return [problem for plane in document.xpath("//bpmndi:BPMNPlane", namespaces=NS)
            for problem in plane_problems(document, plane)]


def plane_problems(document: etree._ElementTree, plane: etree._Element) -> list[str]:
    items = drawn(document, plane)
    where = homes(document, items)
    problems = []
    for item in items.values():
        if item.kind in ("participant", "lane"):
            continue
        for home in where.get(item.element_id, []):
            for what, box in (("shape", item.shape), ("label", item.label)):
                if box is not None and not box.inside(home):
                    problems.append(f"{item.element_id}: {what} {box} outside {home}")
        problems.extend(room_problems(item))
    labels = [(item.element_id, item.label) for item in items.values() if item.label is not None]
    for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
        if box_a.overlaps(box_b):
            problems.append(f"labels of {a} and {b} overlap")
    shapes = [(item.element_id, item.shape) for item in items.values()
              if item.shape is not None and item.kind not in CONTAINERS]
    subprocesses = [(item.element_id, item.shape) for item in items.values() if item.kind == "subProcess"]
    hosts = {node.get("id"): node.get("attachedToRef") for node in document.xpath("//bpmn:boundaryEvent",
                                                                                 namespaces=NS)}
    for (a, box_a), (b, box_b) in itertools.combinations(shapes, 2):
        if box_a.overlaps(box_b) and hosts.get(a) != b and hosts.get(b) != a:
            problems.append(f"shapes of {a} and {b} overlap")
    flows = [item for item in items.values() if item.waypoints]
    for owner, label in labels:
        for flow in flows:
            if flow.element_id != owner and any(label.crossed_by(a, b) for a, b in itertools.pairwise(flow.waypoints)):
                problems.append(f"label of {owner} is crossed by {flow.element_id}")
        for element_id, shape in shapes + subprocesses:
            inside_it = any(shape is home for home in where.get(owner, []))
            if element_id != owner and not inside_it and label.overlaps(shape):
                problems.append(f"label of {owner} overlaps {element_id}")
    return problems


def tree(name: str) -> etree._ElementTree:
    return etree.parse(str(ROOT / "bpmn" / name))


@pytest.mark.parametrize("name", FILES)
def test_no_label_overlaps_and_every_shape_and_label_lies_in_its_pool_and_lane(name: str) -> None:
    assert layout_problems(tree(name)) == []


@pytest.mark.parametrize("name", FILES)
def test_every_drawn_name_is_in_the_catalog_so_the_viewer_shows_it_in_chinese(name: str) -> None:
    names = {node.get("name") for node in labelled(tree(name))}
    assert names and names <= chinese().keys()


def test_the_check_finds_a_label_moved_onto_another_one_too_small_and_one_missing() -> None:
    document = tree("reconnect.bpmn")
    [moved] = document.xpath("//bpmndi:BPMNShape[@bpmnElement='end_remote']/bpmndi:BPMNLabel/dc:Bounds",
                             namespaces=NS)
    [target] = document.xpath("//bpmndi:BPMNShape[@bpmnElement='end_on_site']/bpmndi:BPMNLabel/dc:Bounds",
                              namespaces=NS)
    for key in ("x", "y"):
        moved.set(key, target.get(key))
    target.set("height", "6")
    label = document.xpath("//bpmndi:BPMNEdge[@bpmnElement='f_succeeded']/bpmndi:BPMNLabel", namespaces=NS)[0]
    label.getparent().remove(label)
    problems = layout_problems(document)
    assert "f_succeeded: no label bounds for 'yes'" in problems
    assert "labels of end_remote and end_on_site overlap" in problems
    assert any(p.startswith("end_on_site: label") and "too small" in p for p in problems)
