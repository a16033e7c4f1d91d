# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find every example users read (README, the docsite guides, the modules' EXAMPLES) and turn it into something to run.

Why: an example that does not work is worse than none, and the review found one (a rescue ``when:`` that ansible-core
2.19 refuses). YAML examples become playbooks; console examples become commands, except the set-up commands listed in
SETUP_COMMANDS, which need the network or a checkout and are exercised by the build/install steps instead.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import shlex
from pathlib import Path
from typing import Any, Iterator

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = ("README.md", "docs/docsite/rst/guide.rst")
# Guides whose examples need a set-up of their own (a callback enabled through ansible.cfg or the environment): a
# dedicated test module runs each of their examples as written.
DEDICATED = {"docs/docsite/rst/watchdog.rst": "test_e2e_watchdog.py"}
# Commands shown for installing or developing, not for using the collection: run elsewhere or not at all offline.
SETUP_COMMANDS = (
    ("make",), ("export",), ("python3", "-m", "pip", "install"), ("ansible-galaxy", "collection", "install"),
    ("ansible-galaxy", "collection", "build"), ("git", "clone"), ("cd",), ("ansible-builder",),
)
RUNNABLE_COMMANDS = (("ansible",), ("ansible-playbook",))
_MARKDOWN_BLOCK = re.compile(r"^```(?P<lang>[\w+-]+)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
_RST_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. code-block:: (?P<lang>[\w+-]+)\n(?P<options>(?:(?P=indent)[ \t]+:.*\n)*)\n"
                        r"(?P<body>(?:(?:(?P=indent)[ \t]+.*)?\n)+)", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Example:
    """One code block: where it is (file:line), its language and its text."""

    source: str
    line: int
    lang: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.source}:{self.line}"

    def plays(self, hosts: str = "localhost") -> list[dict[str, Any]]:
        """The block as plays: a list of plays stays as it is, a list of tasks is wrapped in one play on ``hosts``."""
        loaded = yaml.safe_load(self.text)
        assert isinstance(loaded, list) and loaded, f"{self.name}: a YAML example must be a list of tasks or plays"
        if all(isinstance(item, dict) and "hosts" in item for item in loaded):
            return loaded
        return [{"name": f"Example from {self.name}", "hosts": hosts, "gather_facts": False, "tasks": loaded}]

    def commands(self) -> list[str]:
        """Console lines with the prompt removed and backslash continuations joined."""
        joined = re.sub(r"\\\n\s*", " ", self.text)
        return [re.sub(r"^\$ ", "", line.strip()) for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def _markdown_examples(path: Path, source: str) -> Iterator[Example]:
    text = path.read_text(encoding="utf-8")
    for match in _MARKDOWN_BLOCK.finditer(text):
        yield Example(source, text.count("\n", 0, match.start()) + 1, match["lang"], match["body"])


def _rst_examples(path: Path, source: str) -> Iterator[Example]:
    text = path.read_text(encoding="utf-8")
    for match in _RST_BLOCK.finditer(text):
        body = match["body"]
        indent = min(len(line) - len(line.lstrip()) for line in body.splitlines() if line.strip())
        dedented = "\n".join(line[indent:] for line in body.splitlines())
        yield Example(source, text.count("\n", 0, match.start()) + 1, match["lang"], dedented.strip("\n") + "\n")


def _module_examples(collection_root: Path) -> Iterator[Example]:
    for path in sorted((collection_root / "plugins" / "modules").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "EXAMPLES" for target in node.targets):
                yield Example(f"plugins/modules/{path.name} EXAMPLES", node.lineno, "yaml", ast.literal_eval(node.value))


def all_examples(collection_root: Path = REPO_ROOT) -> list[Example]:
    """Every code block of README, the guides and the modules' EXAMPLES, in document order."""
    examples: list[Example] = []
    for pattern in DOC_FILES:
        for path in sorted(REPO_ROOT.glob(pattern)):
            source = str(path.relative_to(REPO_ROOT))
            reader = _markdown_examples if path.suffix == ".md" else _rst_examples
            examples.extend(reader(path, source))
    examples.extend(_module_examples(collection_root))
    return examples


def is_yaml(example: Example) -> bool:
    return example.lang in ("yaml", "yaml+jinja", "yml")


def runnable_command(command: str) -> list[str] | None:
    """The argv of a command the tests run, None for a known set-up command; anything else is an error."""
    argv = shlex.split(command, comments=True)
    if any(tuple(argv[:len(prefix)]) == prefix for prefix in RUNNABLE_COMMANDS):
        return argv
    if any(tuple(argv[:len(prefix)]) == prefix for prefix in SETUP_COMMANDS):
        return None
    raise AssertionError(f"an example command that is neither run by the tests nor a known set-up command: {command}")
