"""Every message the code and templates show has a Chinese translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "mall" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def _untranslated(template, catalogue) -> list[str]:
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id, message.context)
        strings = found.string if found is not None else None
        empty = not all(strings) if isinstance(strings, tuple | list) else not strings
        if found is None or empty or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def test_every_message_has_a_chinese_translation(tmp_path):
    """Extract with babel.cfg and compare with the zh catalogue; list whatever is missing."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        template = read_po(f)
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    assert len(template) > 100, "extraction found too few messages; is babel.cfg read?"
    missing = _untranslated(template, catalogue)
    assert not missing, "untranslated (run pybabel update, then translate):\n" + "\n".join(missing)
