"""Config text -> ordered statements, so tests can compare what a router committed with what was rendered
regardless of how the device lays the text out (Junos `from { x; }` vs `from x;`, EOS indentation)."""
from __future__ import annotations

import re

_JUNOS_TOKEN = re.compile(r'"[^"]*"|[{};\[\]]|[^\s{};\[\]"]+')
MANAGED = ("policy-options policy-statement TS-", "policy-options community TS-", "policy-options prefix-list TS-",
           "route-map TS-", "ip prefix-list TS-", "ipv6 prefix-list TS-")


def junos_statements(text: str) -> list[str]:
    """Every leaf as its full path: `policy-options policy-statement P term T then reject`."""
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    stack: list[list[str]] = []
    words: list[str] = []
    out = []
    for token in _JUNOS_TOKEN.findall(text):
        if token == "{":
            stack.append(words)
            words = []
        elif token == "}":
            words = []
            stack.pop()
        elif token == ";":
            out.append(" ".join([w for frame in stack for w in frame] + words))
            words = []
        elif token not in ("[", "]", "replace:"):
            words.append(token.strip('"'))
    return out


def eos_statements(text: str) -> list[str]:
    """Every configuration line, sub-mode lines prefixed by their header: `route-map X permit 10 :: set ...`;
    deletions (`no ...`) and comments are left out. A one-line `ip prefix-list L seq N ...` reads as the
    block form EOS shows: `ip prefix-list L`, then `ip prefix-list L :: seq N ...`."""
    out, headers = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("!") or stripped == "end" or stripped.startswith("no "):
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 3
        del headers[depth:]
        words = stripped.split()
        if depth == 0 and words[:2] == ["ip", "prefix-list"] and words[3:4] == ["seq"]:
            header = " ".join(words[:3])
            if not out or not (out[-1] == header or out[-1].startswith(header + " :: ")):
                out.append(header)
            out.append(f"{header} :: {' '.join(words[3:])}")
            continue
        out.append(" :: ".join(headers + [stripped]))
        headers.append(stripped)
    return out


STATEMENTS = {"junos": junos_statements, "eos": eos_statements}


def split_managed(statements: list[str]) -> tuple[list[str], list[str]]:
    """(managed TS- statements, everything else), each in order."""
    managed = [s for s in statements if s.startswith(MANAGED)]
    return managed, [s for s in statements if not s.startswith(MANAGED)]
