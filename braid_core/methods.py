"""The methods of `braid design` and which of c and alpha each uses (no heavy imports: the
dashboard labels runs with it before torch is loaded)."""

from __future__ import annotations

METHODS = ("braid-boot", "braid-bonus", "strl", "guidance", "ddom", "proxy", "pretrained")
FINETUNED_METHODS = ("braid-boot", "braid-bonus", "strl")  # the BRAID loop (STRL: c = 0)


def method_knobs(method: str) -> tuple[str, ...]:
    """Which of c and alpha `method` uses: BRAID both, STRL alpha (its c is 0), the baselines
    c alone (it ranks their pool of drawn designs by r_c)."""
    if method == "strl":
        return ("alpha",)
    return ("c", "alpha") if method in FINETUNED_METHODS else ("c",)
