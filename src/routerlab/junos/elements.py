"""Building Junos reply elements: the version the lab claims and its `junos:` attribute namespace."""
from __future__ import annotations

from lxml import etree

JUNOS_VERSION = "21.4R3.15"
JUNOS_NS = f"http://xml.juniper.net/junos/{JUNOS_VERSION}/junos"


def E(tag: str, *children, text: str | None = None, **attrs) -> etree._Element:
    """An element; `junos_x=` sets the attribute junos:x, `a_b=` sets a-b."""
    element = etree.Element(tag, nsmap={"junos": JUNOS_NS})  # so attributes read junos:seconds
    for key, value in attrs.items():
        element.set(f"{{{JUNOS_NS}}}{key[6:]}" if key.startswith("junos_") else key.replace("_", "-"), value)
    if text is not None:
        element.text = text
    element.extend(children)
    return element
