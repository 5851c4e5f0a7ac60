"""The hardened BPMN reader: size limit, DTD/entity refusal, malformed XML, wrong root."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

from app.runtime.deployment import bpmn_source
from app.runtime.deployment.bpmn_source import BPMN_NS, DeployError, DeployProblem, bpmn_text, read_bpmn

FIXTURES = Path(__file__).parent / "bpmn"
DTD_MESSAGE = "DOCTYPE/ENTITY declarations are not allowed in BPMN files (XXE/entity-expansion protection)"
SECRET = "TOPSECRET-relayflow-7f3a"

DEFINITIONS = f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="http://relayflow.test">'


def only_problem(excinfo: pytest.ExceptionInfo[DeployError]) -> DeployProblem:
    assert len(excinfo.value.problems) == 1, excinfo.value.problems
    return excinfo.value.problems[0]


def xxe_document(secret_file: Path) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>\n'
        f"{DEFINITIONS}<bpmn:documentation>&xxe;</bpmn:documentation></bpmn:definitions>\n"
    ).encode()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def test_problem_str_shows_file_line_and_element() -> None:
    assert str(DeployProblem("disconnect.bpmn", 12, "approve", "plain message")) == (
        "disconnect.bpmn:12 [approve] plain message"
    )
    assert str(DeployProblem("disconnect.bpmn", None, "approve", "m")) == "disconnect.bpmn [approve] m"
    assert str(DeployProblem("disconnect.bpmn", 3, None, "m")) == "disconnect.bpmn:3 m"
    assert str(DeployProblem("disconnect.bpmn", None, None, "m")) == "disconnect.bpmn m"


def test_deploy_error_lists_problems_one_per_line() -> None:
    problems = [DeployProblem("a.bpmn", 1, None, "first"), DeployProblem("b.bpmn", 2, "x", "second")]
    error = DeployError(problems)
    assert error.problems == problems
    assert str(error) == "a.bpmn:1 first\nb.bpmn:2 [x] second"


def test_reads_a_valid_file() -> None:
    tree = read_bpmn("a.bpmn", (FIXTURES / "a.bpmn").read_bytes())
    assert tree.getroot().tag == f"{{{BPMN_NS}}}definitions"
    assert tree.getroot().get("id") == "defs_a"


def test_reads_utf8_with_bom() -> None:
    tree = read_bpmn("bom.bpmn", b"\xef\xbb\xbf" + (FIXTURES / "c.bpmn").read_bytes())
    assert tree.getroot().get("id") == "defs_c"


def test_the_xxe_fixture_really_leaks_through_a_naive_parser(secret_file: Path) -> None:
    # Proves the next test guards against a live attack rather than a harmless document.
    naive = etree.fromstring(xxe_document(secret_file), etree.XMLParser(resolve_entities=True))
    assert SECRET in etree.tostring(naive).decode()


def test_external_entity_is_refused_and_the_secret_never_appears(secret_file: Path) -> None:
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("xxe.bpmn", xxe_document(secret_file))
    problem = only_problem(excinfo)
    assert (problem.file, problem.line, problem.message) == ("xxe.bpmn", 2, DTD_MESSAGE)
    assert SECRET not in str(excinfo.value)
    assert SECRET not in repr(excinfo.value.problems)


def test_parser_settings_alone_still_refuse_a_dtd(secret_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Second line of defence: even if the prolog scan were bypassed, nothing is resolved.
    monkeypatch.setattr(bpmn_source, "_check_prolog", lambda name, data: None)
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("xxe.bpmn", xxe_document(secret_file))
    assert only_problem(excinfo).message == DTD_MESSAGE
    assert SECRET not in str(excinfo.value)


def test_billion_laughs_is_refused_fast() -> None:
    entities = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>\n'
        f"{DEFINITIONS}<bpmn:documentation>&lol9;</bpmn:documentation></bpmn:definitions>"
    ).encode()
    started = time.perf_counter()
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("lolz.bpmn", data)
    assert time.perf_counter() - started < 0.5
    assert only_problem(excinfo).message == DTD_MESSAGE


@pytest.mark.parametrize(
    "prolog",
    [
        "<!doctype x>",
        "<!DoCtYpE x>",
        "<! DOCTYPE x>",
        "< !DOCTYPE x>",
        "<\n!DOCTYPE x>",
        '<!ENTITY x "y">',
        "<!-- a comment first -->\n<!DOCTYPE x>",
        "<?pi first?><!DOCTYPE x>",
    ],
)
def test_declaration_spellings_cannot_slip_through(prolog: str) -> None:
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n{DEFINITIONS}</bpmn:definitions>'.encode()
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("sneaky.bpmn", data)
    assert only_problem(excinfo).message == DTD_MESSAGE


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_doctype_is_found_in_other_encodings(encoding: str) -> None:
    text = f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "e">]>\n{DEFINITIONS}</bpmn:definitions>'
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("encoded.bpmn", text.encode(encoding))
    assert only_problem(excinfo).message == DTD_MESSAGE


@pytest.mark.parametrize(("declared", "codec", "word"), [
    ("windows-1252", "cp1252", "Prüfung €5"), ("ISO-8859-1", "latin-1", "Prüfung"),
    ("ISO-8859-15", "iso-8859-15", "Prüfung €5"), ("UTF-16", "utf-16", "Prüfung 审批"),
    ("UTF-16BE", "utf-16-be", "Prüfung 审批"), ("UTF-8", "utf-8", "Prüfung 审批"),
])
def test_the_encodings_other_modelers_save_are_read_and_decoded(declared: str, codec: str, word: str) -> None:
    """issue 10 item 10: windows-1252 was refused ("save the file as UTF-8"); ISO-8859-1 and UTF-16
    passed every check and then crashed where the deployment was stored."""
    text = (f'<?xml version="1.0" encoding="{declared}"?>\n'
            f"{DEFINITIONS}<bpmn:documentation>{word}</bpmn:documentation></bpmn:definitions>")
    data = text.encode(codec)
    tree = read_bpmn("encoded.bpmn", data)
    assert tree.getroot()[0].text == word
    assert bpmn_text(data) == text  # what the diagram shows; a byte-order mark is not part of it


def test_utf8_with_a_byte_order_mark_reads_as_text_without_it() -> None:
    data = b"\xef\xbb\xbf" + (FIXTURES / "c.bpmn").read_bytes()
    assert bpmn_text(data) == (FIXTURES / "c.bpmn").read_text(encoding="utf-8")


def test_a_file_the_parser_reads_but_python_cannot_decode_is_refused_before_it_is_stored() -> None:
    # libxml2 (iconv) maps windows-1255's 0xCA; Python's codec does not, so the text could not be stored.
    data = f'<?xml version="1.0" encoding="windows-1255"?>\n{DEFINITIONS}'.encode() + b"\xca</bpmn:definitions>"
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("hebrew.bpmn", data)
    assert str(only_problem(excinfo)) == "hebrew.bpmn the file is not valid windows-1255: save it as UTF-8"


def test_utf7_declaration_is_refused() -> None:
    data = f'<?xml version="1.0" encoding="UTF-7"?>\n{DEFINITIONS}</bpmn:definitions>'.encode()
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("utf7.bpmn", data)
    assert "unsupported encoding 'UTF-7'" in only_problem(excinfo).message


def test_too_large_file_is_refused_without_parsing() -> None:
    data = b"<not even xml" + b" " * 200
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("huge.bpmn", data, max_bytes=100)
    problem = only_problem(excinfo)
    assert problem.message == "file is 213 bytes; the limit is 100 bytes"
    assert problem.line is None


def test_default_limit_is_two_megabytes() -> None:
    data = f"{DEFINITIONS}</bpmn:definitions>".encode().ljust(2 * 1024 * 1024 + 1)
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("huge.bpmn", data)
    assert "the limit is 2,097,152 bytes" in only_problem(excinfo).message


def test_malformed_xml_reports_its_line() -> None:
    data = f'<?xml version="1.0"?>\n{DEFINITIONS}\n  <bpmn:process id="p">\n  </bpmn:proces>\n'.encode()
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("broken.bpmn", data)
    problem = only_problem(excinfo)
    assert problem.line == 4
    assert problem.message.startswith("malformed XML: Opening and ending tag mismatch: process")


def test_text_before_the_root_is_not_xml() -> None:
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("notes.bpmn", b"\n\nhello")
    problem = only_problem(excinfo)
    assert problem.line == 3
    assert problem.message == "not an XML document: expected the <bpmn:definitions> element"


@pytest.mark.parametrize(
    "root",
    ['<definitions xmlns="http://example.com/other" id="d"/>', f'<bpmn:process xmlns:bpmn="{BPMN_NS}"/>'],
)
def test_root_must_be_bpmn_definitions(root: str) -> None:
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("other.bpmn", f'<?xml version="1.0"?>\n{root}'.encode())
    problem = only_problem(excinfo)
    assert problem.line == 2
    assert "a BPMN file must start with <bpmn:definitions>" in problem.message


def test_an_earlier_files_errors_do_not_leak_into_the_next_report() -> None:
    with pytest.raises(DeployError):
        read_bpmn("first.bpmn", f"{DEFINITIONS}<a></b>".encode())
    data = f"{DEFINITIONS}\n\n<bpmn:process id='p'>\n</bpmn:definitions>".encode()
    with pytest.raises(DeployError) as excinfo:
        read_bpmn("second.bpmn", data)
    problem = only_problem(excinfo)
    assert (problem.file, problem.line) == ("second.bpmn", 4)
    assert problem.message == "malformed XML: Opening and ending tag mismatch: process line 3 and definitions"
