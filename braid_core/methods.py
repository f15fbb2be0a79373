"""The methods of `braid design`, which of c and alpha each uses, and which one a fine-tuning
run is (no heavy imports: the dashboard labels runs with it before torch is loaded)."""

from __future__ import annotations

METHODS = ("braid-boot", "braid-bonus", "strl", "guidance", "ddom", "proxy", "pretrained")
FINETUNED_METHODS = ("braid-boot", "braid-bonus", "strl")  # the BRAID loop (STRL: c = 0)


def method_knobs(method: str) -> tuple[str, ...]:
    """Which of c and alpha `method` uses: BRAID both, STRL alpha (its c is 0), the baselines
    c alone (it ranks their pool of drawn designs by r_c)."""
    if method == "strl":
        return ("alpha",)
    return ("c", "alpha") if method in FINETUNED_METHODS else ("c",)


def finetuned_method(c: float, reward_kind: str | None, mode: str = "std") -> str:
    """The method a fine-tuning run is: STRL where c is 0 (no uncertainty penalty; the "min"
    mode ignores c, so it never is), else BRAID with its reward model's uncertainty,
    braid-boot or braid-bonus; "braid" where that kind is not known (a deleted model)."""
    if c == 0 and mode != "min":
        return "strl"
    return f"braid-{reward_kind}" if reward_kind in ("boot", "bonus") else "braid"
