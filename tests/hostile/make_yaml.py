"""Generate hostile YAML model files (alias bombs, loops, deep nesting, YAML 1.1 surprises).

Each file must be refused by ``finmodel validate`` with exit status 2 and a message naming the
file and line, quickly and in little memory. The files are made on demand (the tests write
them into a temporary folder) rather than kept in the repository.

Usage: python tests/hostile/make_yaml.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

#: A valid two-partner model the scalar cases below start from.
GOOD = """\
name: Two partners
timeline: {base_year: "2019/20", horizon: 2}
assumptions: {demand_growth: 0.03, inflation: 0.02, efficiency: 0.01, funding_growth: 0.04}
partners:
  - id: icb
    name: ICB
    kind: commissioner
    place: Central
    funding: [{id: allocation, baseline: 1000}]
    costs:
      - {id: acute, baseline: 700, payee: trust}
  - id: trust
    name: Trust
    kind: provider
    place: Central
    costs: [{id: staff, baseline: 600}]
control_totals: {icb: 0, trust: 0}
"""


def alias_bomb(levels: int, width: int = 10) -> str:
    """``levels`` anchors, each a list of ``width`` aliases of the one before: width**levels."""
    rows = ["l0: &l0 [lol]"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        rows.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(rows) + "\n"


def deep_brackets(depth: int) -> str:
    """A description nested ``depth`` flow lists deep on one line."""
    return GOOD.replace("name: Two partners", "name: " + "[" * depth + "]" * depth)


def deep_block(depth: int) -> str:
    """Block mappings nested ``depth`` levels deep, one indent each."""
    return "".join(" " * level + f"k{level}:\n" for level in range(depth))


def hostile_files() -> dict[str, str]:
    """File name -> text of every hostile case."""
    return {
        "alias_bomb_7.yaml": alias_bomb(7),
        "alias_bomb_9.yaml": alias_bomb(9),
        "alias_loop.yaml": GOOD + "description: &a [*a]\n",
        "deep_brackets.yaml": deep_brackets(500),
        "deep_block.yaml": deep_block(2_000),
        "horizon_yes.yaml": GOOD.replace("horizon: 2", "horizon: yes"),
        "growth_on.yaml": GOOD.replace("demand_growth: 0.03", "demand_growth: on"),
        "sexagesimal.yaml": GOOD.replace("baseline: 600", "baseline: 1:30"),
        "infinite.yaml": GOOD.replace("baseline: 600", "baseline: .inf"),
        "duplicate_key.yaml": GOOD.replace(
            "    place: Central\n    costs:", "    costs: []\n    place: Central\n    costs:", 1
        ),
        "python_tag.yaml": GOOD.replace(
            "name: Two partners", "name: !!python/object/apply:os.getcwd []"
        ),
        "two_documents.yaml": GOOD + "---\n" + GOOD,
    }


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, text in hostile_files().items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(hostile_files())} files to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-yaml"))
