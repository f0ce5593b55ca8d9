"""The one style sheet and the one script stay well formed: every feature's block of rules closes before the next
begins (an unclosed block silently swallows every rule after it), and the script parses."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "mall" / "static"


def test_each_block_of_the_style_sheet_closes_before_the_next_begins():
    depth, unclosed = 0, []
    for number, line in enumerate((STATIC / "mall.css").read_text().splitlines(), 1):
        code = re.sub(r"/\*.*?\*/", "", line)
        if line.startswith("/*") and depth:
            unclosed.append((number, line[:60]))
        depth += code.count("{") - code.count("}")
    assert not unclosed, f"a block is still open where these start: {unclosed}"
    assert depth == 0


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to parse the script")
def test_the_script_parses():
    source = (STATIC / "mall.js").read_text()
    check = subprocess.run(["node", "-e", "new Function(require('fs').readFileSync(0, 'utf8'))"],
                           input=source, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
