"""Safe XML for list files: no DTDs (so no external entities and no entity expansion), no
network, and errors that name the file and line."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from dualcheck.errors import BadInput

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                          huge_tree=False, remove_comments=True, remove_pis=True)
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)


def refuse_declarations(data: bytes, name: str) -> None:
    """A DOCTYPE or ENTITY declaration (in the prolog, where they must be) is refused before parsing."""
    declaration = _DOCTYPE.search(data[:65536])
    if declaration:
        line = data[:declaration.start()].count(b"\n") + 1
        raise BadInput("XML with a DOCTYPE or entity declarations is refused (external entities or entity "
                       "expansion)", source=name, location=f"line {line}")


def parse_xml(data: bytes, name: str) -> etree._Element:
    """The root element; a DOCTYPE or ENTITY declaration is refused before parsing."""
    refuse_declarations(data, name)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadInput(f"malformed XML ({exc.msg})", source=name, location=f"line {exc.lineno}") from None


def local(tag: Any) -> str:
    """Tag name without its namespace."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def strip_namespaces(root: etree._Element) -> etree._Element:
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = local(el.tag)
    return root


def text(el: etree._Element | None, path: str | None = None) -> str | None:
    """Clean text of el (or of its first match for path); None when missing or empty."""
    if el is None:
        return None
    if path is not None:
        el = el.find(path)
        if el is None:
            return None
    value = " ".join("".join(el.itertext()).split())
    return value or None


def texts(el: etree._Element, path: str) -> list[str]:
    out = []
    for found in el.iterfind(path):
        value = " ".join("".join(found.itertext()).split())
        if value:
            out.append(value)
    return out


def to_dict(el: etree._Element) -> Any:
    """An element as plain JSON (the source record): repeated children become lists."""
    children = [c for c in el if isinstance(c.tag, str)]
    attrs = {f"@{local(k)}": v for k, v in el.attrib.items()}
    if not children:
        value = " ".join((el.text or "").split())
        if attrs:
            return {**attrs, "#text": value} if value else attrs
        return value
    out: dict[str, Any] = dict(attrs)
    for child in children:
        key, value = local(child.tag), to_dict(child)
        if key in out:
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def root_is(head: bytes, *names: str) -> bool:
    """Whether the document's first element has one of these local names (sniffing)."""
    m = re.search(rb"<(?!\?|!)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)", head)
    return m is not None and m.group(1).decode("ascii", "replace") in names
