"""The stylesheet (consult/static/palabre.css): variants win over the base style, and the vote
choices look different from one another."""

import re
from pathlib import Path

CSS = (Path(__file__).resolve().parents[2] / "consult" / "static" / "palabre.css").read_text()


def rules() -> dict[str, str]:
    found = {}
    plain = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", plain):
        for selector in selectors.split(","):
            found[selector.strip()] = found.get(selector.strip(), "") + body
    return found


def test_no_base_button_rule_outranks_its_variants():
    """`button.button` (an element and a class) beat `.button-secondary` (a class), so secondary
    buttons looked primary."""
    assert not [s for s in rules() if re.search(r"\w\.button\b", s)]
    assert "background" in rules()[".button-secondary"]


def test_the_three_vote_choices_have_styles_of_their_own():
    styles = rules()
    looks = [styles[f".vote-{choice}"] for choice in ("agree", "disagree", "pass")]
    assert len(set(looks)) == 3 and all("background" in look for look in looks)
    assert "dashed" in styles[".vote-pass"]  # told apart by shape too, not colour alone
