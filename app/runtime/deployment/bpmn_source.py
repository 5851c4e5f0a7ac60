"""Reading uploaded BPMN files safely, and the problem values a deploy reports.

BPMN never needs a DTD, so any DOCTYPE or ENTITY declaration is refused before the XML
parser sees the document (XXE and entity-expansion protection); the lxml parser is then
configured to resolve nothing as a second line of defence.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
# Decision tables (issue 16): DMN 1.3 (what dmn-js writes) and 1.2, the versions SpiffWorkflow reads.
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/")
DMN_SUFFIX = ".dmn"
MAX_BPMN_BYTES = 2 * 1024 * 1024

_DTD_REFUSED = "DOCTYPE/ENTITY declarations are not allowed in BPMN files (XXE/entity-expansion protection)"

# Byte-order marks and the first bytes of "<?" without a BOM, most specific first.
_ENCODING_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
# Encodings whose declaration we accept; anything else (UTF-7, EBCDIC, ...) could hide markup
# from the prolog scan. Besides these, the ASCII-compatible single-byte families other modelers
# save in (ISO-8859-n, windows-125n) are accepted: the scan reads them as Latin-1 correctly.
_SINGLE_BYTE = re.compile(r"(iso-?8859-\d{1,2}|windows-125\d|cp125\d)")
_ALLOWED_DECLARED = {
    "utf-8",
    "utf8",
    "us-ascii",
    "ascii",
    "utf-16",
    "utf-16le",
    "utf-16be",
    "utf-32",
    "utf-32le",
    "utf-32be",
    "iso-8859-1",
    "latin-1",
    "latin1",
}
_XML_DECL = re.compile(r"<\?xml\b[^>]*?\?>", re.DOTALL)
_DECLARED_ENCODING = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")
_ROOT_START = re.compile(r"<[A-Za-z_:\u00c0-\uffff]")
_DECLARATION = re.compile(r"<\s*!")


WARNING = "warning"


@dataclass(frozen=True)
class DeployProblem:
    """One thing wrong with an uploaded BPMN file, located as precisely as we can."""

    file: str
    line: int | None
    element_id: str | None
    message: str
    severity: str = "error"  # or "warning": reported, and the file deploys all the same

    def __post_init__(self) -> None:
        # One problem, one line: a name or a library message may hold newlines (issue 10 item 12).
        object.__setattr__(self, "message", " ".join(self.message.split()))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.element_id is not None:
            where = f"{where} [{self.element_id}]"
        return f"{where} {'warning: ' if self.severity == WARNING else ''}{self.message}"


class DeployError(Exception):
    """A deployment refused for one or more problems; str() lists them one per line."""

    def __init__(self, problems: list[DeployProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def _refuse(name: str, message: str, line: int | None = None) -> DeployError:
    return DeployError([DeployProblem(name, line, None, message)])


def _signature_encoding(data: bytes) -> str | None:
    """The encoding the document's byte-order mark or first bytes announce (None: ASCII-compatible)."""
    return next((encoding for signature, encoding in _ENCODING_SIGNATURES if data.startswith(signature)), None)


def _decode_for_scan(data: bytes) -> str:
    """Decode enough of the document to find its prolog; ASCII-compatible bytes map one to one."""
    encoding = _signature_encoding(data)
    if encoding is not None:
        return data.decode(encoding, errors="replace").lstrip("\ufeff")
    return data.decode("latin-1")


def _declared_encoding(text: str) -> str | None:
    declaration = _XML_DECL.match(text)
    found = _DECLARED_ENCODING.search(declaration.group(0)) if declaration else None
    return found.group(1).strip() if found else None


def _accepted(encoding: str) -> bool:
    return encoding.lower() in _ALLOWED_DECLARED or _SINGLE_BYTE.fullmatch(encoding.lower()) is not None


def bpmn_text(data: bytes) -> str:
    """The document as text, decoded as the XML parser reads it: by its byte-order mark or first
    bytes, else by its declared encoding, else as UTF-8; a byte-order mark is not part of the text.
    Raises UnicodeDecodeError when the bytes do not fit (``read_bpmn`` refuses such a file)."""
    encoding = _signature_encoding(data) or _declared_encoding(data.decode("latin-1")) or "utf-8"
    return data.decode(encoding).lstrip("\ufeff")


def _check_prolog(name: str, data: bytes) -> None:
    """Refuse a DTD, or anything that is not a comment, PI or whitespace, before the root element.

    This is an allow-list: every construct other than those three stops the scan, so
    spellings such as ``<!doctype`` or ``< !DOCTYPE`` are refused as well.
    """
    text = _decode_for_scan(data)
    encoding = _declared_encoding(text)
    if encoding is not None and not _accepted(encoding):
        raise _refuse(name, f"unsupported encoding {encoding!r}: save the file as UTF-8", 1)
    declaration = _XML_DECL.match(text)
    pos = declaration.end() if declaration else 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        line = text.count("\n", 0, pos) + 1
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                raise _refuse(name, "unterminated comment before the root element", line)
            pos = end + 3
        elif text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                raise _refuse(name, "unterminated processing instruction before the root element", line)
            pos = end + 2
        elif _ROOT_START.match(text, pos):
            return
        elif _DECLARATION.match(text, pos):
            raise _refuse(name, _DTD_REFUSED, line)
        else:
            raise _refuse(name, "not an XML document: expected the <bpmn:definitions> element", line)


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def is_decision_file(name: str) -> bool:
    """A ``*.dmn`` file holds decision tables, deployed with the diagrams that call them."""
    return name.lower().endswith(DMN_SUFFIX)


def read_bpmn(name: str, data: bytes, max_bytes: int = MAX_BPMN_BYTES) -> etree._ElementTree:
    """Parse one uploaded BPMN file (or, named ``*.dmn``, DMN file), or raise DeployError saying
    why it is refused."""
    if len(data) > max_bytes:
        raise _refuse(name, f"file is {len(data):,} bytes; the limit is {max_bytes:,} bytes")
    _check_prolog(name, data)
    parser = _new_parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        # exc.error_log is lxml's thread-wide log (it holds other documents' errors); the
        # parser's own log holds only this file's, and its first error is the cause.
        errors = parser.error_log.filter_from_errors()
        message, line = (errors[0].message, errors[0].line) if errors else (str(exc.msg), exc.lineno)
        if message.startswith("Invalid bytes in character encoding"):
            declared = _declared_encoding(_decode_for_scan(data)) or "UTF-8"
            message = (f"line {line} holds bytes that are not {declared}, the encoding the file declares: save it as "
                       'UTF-8, or declare the encoding it was saved in (such as encoding="windows-1252")')
        raise _refuse(name, f"malformed XML: {message}", line) from None
    tree = root.getroottree()
    try:
        bpmn_text(data)
    except (UnicodeDecodeError, LookupError):  # the XML parser read it; Python cannot show it as text
        raise _refuse(name, f"the file is not valid {tree.docinfo.encoding}: save it as UTF-8") from None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise _refuse(name, _DTD_REFUSED)
    if is_decision_file(name):
        if root.tag not in {f"{{{namespace}}}definitions" for namespace in DMN_NAMESPACES}:
            raise _refuse(name, f"root element is {root.tag!r}; a DMN file must start with <definitions> in the "
                                f"namespace {DMN_NAMESPACES[0]} (DMN 1.3) or {DMN_NAMESPACES[1]} (DMN 1.2)",
                          root.sourceline)
    elif root.tag != f"{{{BPMN_NS}}}definitions":
        raise _refuse(
            name,
            f"root element is {root.tag!r}; a BPMN file must start with <bpmn:definitions> "
            f"in the namespace {BPMN_NS}",
            root.sourceline,
        )
    return tree


def owner_id(node: etree._Element) -> str | None:
    """The id of the nearest BPMN element at or around the node.

    Extension elements are skipped: the ``id`` of a spiffworkflow:serviceTaskOperator or
    parameter names an operation or argument, not a node an analyst can find in the diagram.
    """
    for candidate in (node, *node.iterancestors()):
        element_id = candidate.get("id")
        if etree.QName(candidate).namespace == BPMN_NS and element_id:
            return str(element_id)
    return None
