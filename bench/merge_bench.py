"""Merge a re-run of some methods into an earlier design-benchmark result (issue 3).

When a change touches only some methods (a new fine-tuning default changes BRAID and STRL,
not the baselines, whose designs are the same for the same seeds), re-run those with
`design_bench.py --methods ... --tag NEW` (several tags when the seeds were split between
processes) and merge: rows and curves of NEW replace those of
BASE for the same (task, method); the rest of BASE is kept, under a label saying what it was
measured with where given (--relabel). BASE's rows of a re-run method are replaced, unless
--keep gives them a label to stay under. Both commands go into the header. Per-step curves are
kept for the plain method names only (what plot_curves draws); a labelled row keeps its summary,
and the command recorded for it remakes its curves.

    python bench/merge_bench.py design_bench_e32 new_e32 --tag design_bench_e32 \
        --relabel "braid-boot=braid-boot (reinforce, alpha 0.1)"
"""

from __future__ import annotations

import argparse
import json

from design_bench import METHODS, RESULTS, markdown, write_curves


def kept_label(method: str, rerun: bool, relabel: dict[str, str], drop: set[str],
               keep: dict[str, str]) -> str | None:
    """The label BASE's rows (or curves) of `method` stay under, or None when they go: a
    re-run method's only under its `keep` label, any other unless dropped (relabelled)."""
    if rerun:
        return keep.get(method)
    return None if method in drop else relabel.get(method, method)


def merge(base: dict, new: dict, relabel: dict[str, str], drop: set[str],
          keep: dict[str, str] | None = None) -> list[dict]:
    """NEW's rows, then BASE's for methods NEW did not run (relabelled; `drop` left out) and
    for re-run methods named in `keep` (under its label)."""
    rerun = {(row["task"], row["method"]) for row in new["rows"]}
    kept = []
    for row in base["rows"]:
        label = kept_label(row["method"], (row["task"], row["method"]) in rerun, relabel, drop,
                           keep or {})
        if label is not None:
            kept.append({**row, "method": label})
    return new["rows"] + kept


def written_text(tag: str) -> str:
    """The hand-written findings of BASE's .md: what sits between its Device line and its
    table, so that a merge keeps them (a new session adds its own above them by hand)."""
    path = RESULTS / f"{tag}.md"
    if not path.exists():
        return ""
    lines = path.read_text().split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("Device:")), None)
    end = next((i for i, line in enumerate(lines) if line.startswith("| task")), None)
    if start is None or end is None:
        return ""
    text = "\n".join(lines[start:end]).strip("\n")
    return text + "\n\n" if text else ""


def read(tag: str, suffix: str = "") -> dict:
    """bench/results/<tag><suffix>.json."""
    return json.loads((RESULTS / f"{tag}{suffix}.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="tag of the earlier result (bench/results/BASE.json)")
    parser.add_argument("new", nargs="+", help="tags of the re-run (e.g. one per seed group)")
    parser.add_argument("--tag", required=True, help="tag of the merged result")
    parser.add_argument("--relabel", action="append", default=[], metavar="METHOD=LABEL")
    parser.add_argument("--drop", action="append", default=[], metavar="METHOD",
                        help="a method of BASE to leave out (e.g. a superseded label)")
    parser.add_argument("--keep", action="append", default=[], metavar="METHOD=LABEL",
                        help="keep BASE's rows of a re-run METHOD, labelled LABEL")
    parser.add_argument("--methods", nargs="+", default=None,
                        help="take only these methods from NEW (e.g. a re-run that also "
                        "repeated one seed of another method as a check)")
    parser.add_argument("--rename", action="append", default=[], metavar="TAG:METHOD=LABEL",
                        help="call METHOD's rows and curves in part TAG of NEW by LABEL (e.g. "
                        "a run at another c, so it stands beside the default's)")
    args = parser.parse_args()
    base, parts = read(args.base), {tag: read(tag) for tag in args.new}
    wanted = set(args.methods) if args.methods else None
    renames = {}
    for spec in args.rename:
        target, label = spec.split("=", 1)
        tag, method = target.split(":", 1)
        if tag not in parts:
            parser.error(f"--rename {spec!r}: {tag} is not one of the parts {args.new}")
        renames[(tag, method)] = label

    def named(tag: str, method: str) -> str:
        return renames.get((tag, method), method)

    new = {"command": " ; ".join(part["command"] for part in parts.values()),
           "args": parts[args.new[0]]["args"],
           "rows": [{**row, "method": named(tag, row["method"])}
                    for tag, part in parts.items() for row in part["rows"]
                    if wanted is None or row["method"] in wanted]}
    relabel = dict(spec.split("=", 1) for spec in args.relabel)
    keep = dict(spec.split("=", 1) for spec in args.keep)
    # A merged BASE lists the runs it came from; a plain one is its own command.
    earlier = base.get("earlier_commands", []) + [base["command"]]
    rows = merge(base, new, relabel, set(args.drop), keep)
    new_curves = {}
    for tag in args.new:
        for key, value in read(tag, "_curves").items():
            task, method, seed = key.split("/")
            if wanted is None or method in wanted:
                new_curves[f"{task}/{named(tag, method)}/{seed}"] = value
    rerun_methods = {key.split("/")[1] for key in new_curves}
    curves = {}
    for key, value in read(args.base, "_curves").items():  # keys are task/method/seed
        task, method, seed = key.split("/")
        label = kept_label(method, method in rerun_methods, relabel, set(args.drop), keep)
        if label is not None:
            curves[f"{task}/{label}/{seed}"] = value
    curves.update(new_curves)
    curves = {key: value for key, value in curves.items() if key.split("/")[1] in METHODS}
    header = ("# Design benchmark\n\n"
              f"Re-run of {', '.join(sorted(rerun_methods))}: `{new['command']}`\n\n"
              f"Other methods, from earlier runs: {'; '.join(f'`{c}`' for c in earlier)}\n\n"
              f"Device: cpu, CPU threads {new['args']['threads']}. 128 designs per method and "
              "seed; mean ± std over seeds.\n\n")
    findings = written_text(args.base)  # read before the merged file may overwrite BASE's
    (RESULTS / f"{args.tag}.md").write_text(header + findings + markdown(rows))
    (RESULTS / f"{args.tag}.json").write_text(json.dumps(
        {"command": new["command"], "earlier_commands": earlier, "args": new["args"],
         "rows": rows}, indent=1, default=str) + "\n")
    write_curves(args.tag, curves)
    print(header + markdown(rows))


if __name__ == "__main__":
    main()
