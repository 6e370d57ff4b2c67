"""Draw docs/architecture.md's picture of the layers from the import contracts in pyproject.toml.

The picture is generated, never drawn by hand: ``python scripts/architecture_diagram.py`` rewrites
the Mermaid block between the markers in docs/architecture.md; ``--check`` exits 1 when the block is
out of date (tests/test_architecture.py runs it).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- contracts:begin -->", "<!-- contracts:end -->"
PACKAGE = "territory_desktop."


def _short(module: str) -> str:
    return module.removeprefix(PACKAGE)


def _node(module: str) -> str:
    return _short(module).replace(".", "_")


def mermaid(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """Return the Mermaid flowchart of the enforced contracts of ``pyproject``.

    Layers are drawn top to bottom, each as a box of its modules; an arrow from a layer to the one
    below says "may import". Each forbidden contract is a dotted arrow from the modules it binds
    to those they never import; other layer contracts and the acyclic ones are notes.
    """
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    lines = ["```mermaid", "flowchart TB"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    for index, layer in enumerate(layers):
        members = [m.strip() for m in layer.split("|")]
        lines.append(f'    subgraph L{index}["layer {index + 1}"]')
        lines.append("        direction LR")
        lines.extend(f'        {_node(m)}["{_short(m)}"]' for m in members)
        lines.append("    end")
    lines.extend(f"    L{i} -->|may import| L{i + 1}" for i in range(len(layers) - 1))
    for number, contract in enumerate(contracts):
        if contract["type"] == "forbidden":
            sources = ", ".join(_short(m) for m in contract["source_modules"])
            targets = ", ".join(_short(m) for m in contract["forbidden_modules"])
            lines.append(f'    F{number}s["{sources}"] -.->|never import| F{number}t["{targets}"]')
        elif contract["type"] == "layers" and contract["layers"] is not layers:
            chain = " -> ".join(_short(m) for m in contract["layers"])
            lines.append(f'    F{number}["{contract["id"]}: {chain}"]')
    acyclic = [c["ancestors"] for c in contracts if c["type"] == "acyclic_siblings"]
    if acyclic:
        inside = ", ".join(_short(a) for group in acyclic for a in group)
        lines.append(f'    note["no import cycles inside: {inside}"]')
    lines.append("```")
    return "\n".join(lines)


def updated(text: str, block: str) -> str:
    """Return ``text`` with the block between the markers replaced by ``block``."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the picture, or with ``--check`` say whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the picture is stale")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    new = updated(text, mermaid())
    if args.check:
        if new != text:
            print(f"{DOC} is out of date: run python scripts/architecture_diagram.py",
                  file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
