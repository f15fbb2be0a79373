"""The Design page's two data sets: one design space, said plainly when not, and the prior's
data starting in the space of the measured data picked."""

from __future__ import annotations

import numpy as np
import pytest
from dashboard_runs import APP
from streamlit.testing.v1 import AppTest

from braid_core.runs import Workspace
from dashboard import catalog, design_spaces, uploads


def dna(n: int, length: int = 12, letters: str = "ACGT", values: bool = False) -> bytes:
    rng = np.random.default_rng(n + length)
    rows = ["".join(rng.choice(list(letters), length)) for _ in range(n)]
    if values:
        return ("sequence,value\n" + "".join(f"{r},{i}\n" for i, r in enumerate(rows))).encode()
    return ("sequence\n" + "\n".join(rows) + "\n").encode()


def open_design() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("app_pages/design.py").run()
    assert not at.exception, at.exception
    return at


def test_data_sets_of_two_design_spaces_are_refused_in_those_words(demo, workspace):
    pool = uploads.store_upload(workspace.root, dna(40), "dna_unlabeled.csv")
    at = open_design()
    at.selectbox(key="design_unlabeled").set_value(pool.path).run()
    next(b for b in at.button if b.label == "Launch the whole pipeline").click()
    at.run()
    (error,) = at.error
    # Was: "Not started: .../offline.csv: letters outside the alphabet dna (ACGT) in 60 rows:
    # row 1 ..." (the demo's protein file read in the DNA upload's alphabet).
    assert error.value.startswith(
        "Not started: these two data sets are not of the same design space: "
        '"dna\\_unlabeled.csv" holds sequences of length 12 over dna, "demo ehrlich-20-32: '
        'offline designs with values" holds sequences of length 32 over protein. Pick a '
        "matching pair.")
    assert "letters outside" not in error.value
    assert workspace.list_runs() == []


def test_one_length_pairs_need_one_alphabet_or_nested_letters(workspace: Workspace):
    pool = uploads.store_upload(workspace.root, dna(30), "pool.csv")
    measured = uploads.store_upload(workspace.root, dna(20, letters="ACGTN", values=True),
                                    "measured.csv", alphabet="ACGTN")
    # DNA read with an N: one space in the larger alphabet, as `braid design --alphabet`.
    assert design_spaces.pair_alphabet(pool, measured) == "ACGTN"
    # DNA's letters are protein letters too, but DNA 12-mers are no protein 12-mers.
    protein = uploads.store_upload(workspace.root, dna(20, letters="DEFHIKLMNPQRSW",
                                                       values=True), "protein.csv")
    with pytest.raises(ValueError, match='"pool.csv" holds sequences of length 12 over dna, '
                       '"protein.csv" holds sequences of length 12 over protein'):
        design_spaces.pair_alphabet(pool, protein)
    vectors = uploads.store_upload(workspace.root, b"x0,x1,value\n1,2,3\n4,5,6\n", "vec.csv")
    with pytest.raises(ValueError, match="holds vectors of dimension 2"):
        design_spaces.pair_alphabet(pool, vectors)


def test_the_prior_data_prefers_a_pool_of_the_measured_space_and_follows_its_pick(
        demo, workspace):
    demo_pool = str(demo / "demo" / "unlabeled.csv")
    # Measured designs added to the demo's: a protein upload with values. The prior's data
    # started on it (the newest upload of that space) rather than the demo's pool.
    measured = uploads.add_to_dataset(
        workspace.root, next(d for d in catalog.all_datasets(workspace.root) if d.labeled),
        open(demo / "demo" / "offline.csv").read().splitlines()[1].split(",")[0].encode()
        .join([b"sequence,value\n", b",9.5\n"]), "new.csv")
    datasets = catalog.all_datasets(workspace.root)
    assert datasets[catalog.preferred_dataset(datasets, False, like=measured)].path == demo_pool
    at = open_design()
    assert at.selectbox(key="design_offline").value == measured.path
    assert at.selectbox(key="design_unlabeled").value == demo_pool
    # Measured DNA picked: the prior's data move to DNA; picked back, to protein again.
    dna_pool = uploads.store_upload(workspace.root, dna(40), "dna_unlabeled.csv")
    dna_measured = uploads.store_upload(workspace.root, dna(30, values=True), "dna_labeled.csv")
    at = open_design()
    assert at.selectbox(key="design_unlabeled").value == dna_pool.path
    at.selectbox(key="design_offline").set_value(measured.path).run()
    assert at.selectbox(key="design_unlabeled").value == demo_pool
    # A pick of the user's own stays, even of another space (refused on launch, in words).
    at.selectbox(key="design_unlabeled").set_value(dna_pool.path).run()
    at.run()
    assert at.selectbox(key="design_unlabeled").value == dna_pool.path
    assert at.selectbox(key="design_offline").value == measured.path
    assert dna_measured.path != measured.path


def test_a_pretrain_pick_moved_by_a_measured_pick_of_another_space_says_so(demo, workspace):
    pool = uploads.store_upload(workspace.root, dna(40), "dna_pool.csv")
    uploads.store_upload(workspace.root, dna(30, values=True), "dna_labeled.csv")
    vectors = uploads.store_upload(workspace.root, b"x0,x1,value\n1,2,3\n4,5,6\n7,8,9\n",
                                   "vec_labeled.csv")
    at = open_design()
    at.selectbox(key="design_offline").set_value(
        next(d.path for d in catalog.uploaded_datasets(workspace.root)
             if d.name == "dna_labeled.csv")).run()
    at.selectbox(key="design_unlabeled").set_value(pool.path).run()  # the user's own pick
    at.selectbox(key="design_offline").set_value(vectors.path).run()
    # It moved to the vectors unsaid, and Launch started a vector run.
    assert at.selectbox(key="design_unlabeled").value == vectors.path
    said = [i.value.replace("\\", "") for i in at.info]
    assert ("The designs to pre-train the prior on moved from dna_pool.csv to "
            "vec_labeled.csv: dna_pool.csv holds sequences of length 12 over dna, but "
            "the measured data picked, vec_labeled.csv, holds vectors of dimension 2, and the "
            "prior must make the designs the reward model scores.") in said
    # Said until either pick changes.
    at.selectbox(key="design_unlabeled").set_value(pool.path).run()
    assert not [i for i in at.info if "moved from" in i.value]


def test_measured_rows_picked_pair_with_every_row_of_their_own_table(demo, workspace):
    """Two DNA tables measured in part, each stored as its measured rows and all its rows:
    picking one's measured rows moves the prior's data to that table's rows, saying so."""
    def partly(n: int, seed: int) -> bytes:
        rng = np.random.default_rng(seed)
        rows = ["".join(rng.choice(list("ACGT"), 12)) for _ in range(n)]
        return ("sequence,value\n" + "".join(
            f"{r},{i if i % 3 == 0 else ''}\n" for i, r in enumerate(rows))).encode()

    first = uploads.store_upload(workspace.root, partly(60, 1), "first.csv", value_column="value")
    second = uploads.store_upload(workspace.root, partly(45, 2), "second.csv",
                                  value_column="value")
    whole = {d.name: d for d in catalog.uploaded_datasets(workspace.root) if not d.labeled}
    at = open_design()  # the newest measured set, second.csv's, with its own rows
    assert at.selectbox(key="design_offline").value == second.path
    assert at.selectbox(key="design_unlabeled").value == whole["second.csv"].path
    at.selectbox(key="design_offline").set_value(first.path).run()
    assert at.selectbox(key="design_unlabeled").value == whole["first.csv"].path
    assert any("moved from second.csv to every row of first.csv" in m.value for m in at.info)
