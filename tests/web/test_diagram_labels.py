"""Issue 13 items 2 and 4: the diagrams' translated label layer. The viewers ask for
``?labels=translated`` and get each drawn name in the reader's language from the catalog (lanes
already Chinese and names the catalog lacks as written), ids, flows and layout untouched; without it
every diagram endpoint still serves the XML exactly as deployed. The compare page and the version
page use the same layer."""

from __future__ import annotations

from lxml import etree

from app.translations.bpmn_names import translated_labels
from tests.utility import BPMN_DIR
from tests.web.conftest import Site
from tests.web.instances_support import reconnection
from tests.web.test_versions import two_versions

NAMES = {"prepare": "读取用户档案", "attempts": "下发复电指令（共 3 次，间隔 2 小时）", "f_succeeded": "是",
         "end_remote": "远程复电成功", "lane_system": "系统", "on_site": "现场复电"}


def names(xml: str) -> dict[str, str | None]:
    tree = etree.fromstring(xml.encode("utf-8"))
    return {node.get("id"): node.get("name") for node in tree.iter() if isinstance(node.tag, str) and node.get("id")}


def layout(xml: str) -> list[tuple[str, dict[str, str]]]:
    """Every element but the names: what the translation must leave as it was."""
    tree = etree.fromstring(xml.encode("utf-8"))
    return [(node.tag, {k: v for k, v in node.attrib.items() if k != "name"})
            for node in tree.iter() if isinstance(node.tag, str)]


def test_a_chinese_viewer_gets_the_catalogs_names_and_the_api_the_deployed_xml(site: Site) -> None:
    original = (BPMN_DIR / "reconnect.bpmn").read_text(encoding="utf-8")
    instance_id = reconnection(site, "3400000002", auto_reconnect=False)
    ann = site.person("ann", "approver")

    translated = ann.get(f"/api/instances/{instance_id}/diagram?labels=translated&lang=zh").json["xml"]
    found = names(translated)
    assert {key: found[key] for key in NAMES} == NAMES
    assert layout(translated) == layout(original)
    raw = ann.get(f"/api/instances/{instance_id}/diagram?labels=translated&format=xml&lang=zh")
    assert names(raw.get_data(as_text=True))["prepare"] == "读取用户档案"

    english = ann.get(f"/api/instances/{instance_id}/diagram?labels=translated&lang=en").json["xml"]
    assert names(english) == names(original)
    assert ann.get(f"/api/instances/{instance_id}/diagram?lang=zh").json["xml"] == original  # as deployed
    refused = ann.get(f"/api/instances/{instance_id}/diagram?labels=chinese")
    assert refused.status_code == 400 and "labels" in refused.json["error"]


def test_the_version_and_compare_viewers_get_the_same_label_layer(site: Site) -> None:
    two_versions(site)
    reader = site.person("rui", "applicant")
    version = reader.get("/api/processes/reconnect/versions/1/diagram?labels=translated&lang=zh").json
    assert names(version["xml"])["on_site"] == "现场复电"
    compared = reader.get("/api/processes/reconnect/compare?a=v1&b=v2&labels=translated&lang=zh").json
    assert names(compared["a"]["xml"])["prepare"] == names(compared["b"]["xml"])["prepare"] == "读取用户档案"
    as_deployed = reader.get("/api/processes/reconnect/compare?a=v1&b=v2&lang=zh").json
    assert names(as_deployed["a"]["xml"])["prepare"] == "Read the customer"
    page = reader.get("/processes/reconnect/compare?a=v1&b=v2").get_data(as_text=True)
    assert "labels=translated" in page and "diagram_viewer.js" in page


def test_a_name_the_catalog_lacks_stays_and_xml_that_does_not_parse_is_left_alone() -> None:
    xml = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p">'
           '<bpmn:task id="t" name="Weigh the meter"/><bpmn:task id="u" name="Read the customer"/>'
           '<bpmn:message id="m" name="headend_result"/></bpmn:process></bpmn:definitions>')
    catalog = {"Read the customer": "读取用户档案", "headend_result": "采集结果"}  # a message is never drawn
    found = names(translated_labels(xml, lambda name: catalog.get(name, name)))
    assert found == {"p": None, "t": "Weigh the meter", "u": "读取用户档案", "m": "headend_result"}
    assert translated_labels("<not xml", str.upper) == "<not xml"
