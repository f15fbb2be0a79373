"""braid_core.data.combining: data sets read alike made one."""

from __future__ import annotations

import pytest
import torch

from braid_core.data import (
    DataError,
    DataWarning,
    OfflineData,
    combine_designs,
    options_like,
    read_designs_bytes,
)
from braid_core.spaces import SequenceSpace, VectorSpace


def test_combine_designs_checks_the_parts_fit_together() -> None:
    base = read_designs_bytes(b"sequence,value\nACDEF,1\nGHIKL,2\n", "d.csv")
    unlabeled = read_designs_bytes(b"sequence\nMNPQR\nSTVWY\n", "u.csv")
    with pytest.raises(DataError, match=r"u\.csv: d\.csv has values and u\.csv has none"):
        combine_designs([base, unlabeled], "both")
    longer = read_designs_bytes(b"sequence,value\nACDEFG,1\nGHIKLM,2\n", "long.csv")
    with pytest.raises(DataError, match=r"long\.csv: holds sequences of length 6 over protein, "
                                        r"but d\.csv holds sequences of length 5"):
        combine_designs([base, longer], "both")
    # Vectors are matched by column name, whatever order the file has them in.
    vectors = read_designs_bytes(b"x0,x1,value\n0,1,1\n1,2,2\n", "v.csv")
    swapped = read_designs_bytes(b"x1,x0,value\n1,0,4\n5,6,2\n", "w.csv", **options_like(vectors))
    combined = combine_designs([vectors, swapped], "v + w")
    assert combined.x.tolist() == [[0, 1], [1, 2], [6, 5]]  # w's first row is v's (0, 1)...
    assert combined.y.tolist() == [2.5, 2, 2]  # ...measured 1 and 4
    # Each measurement counts once: (0.1, 1) measured 1 and 3 in one file and 5 in the other
    # is 3, not the mean of 2 and 5; (0.1000001, 1), a design of its own, is not taken for it.
    with pytest.warns(DataWarning, match=r"a\.csv: 1 design appears more than once"):
        once = read_designs_bytes(b"x0,x1,value\n0.1,1,1\n0.1,1,3\n0.1000001,1,10\n", "a.csv")
    again = read_designs_bytes(b"x0,x1,value\n0.1,1,5\n0.1000001,1,40\n", "b.csv")
    assert combine_designs([once, again], "a + b").y.tolist() == [3, 25]
    renamed = read_designs_bytes(b"a,b,value\n0,1,1\n1,2,2\n", "r.csv", feature_columns=["a", "b"])
    with pytest.raises(DataError, match=r"r\.csv: has the columns a, b, but v\.csv has x0, x1"):
        combine_designs([vectors, renamed], "v + r")


def test_vector_counts_are_not_a_feature_and_survive_combining() -> None:
    vectors = read_designs_bytes(b"x0,x1,value,measurements\n0,1,1,3\n1,2,2,1\n", "v.csv")
    assert vectors.space.describe() == VectorSpace(2).describe()
    assert vectors.to_frame().columns.tolist() == ["x0", "x1", "value", "measurements"]
    more = read_designs_bytes(b"x0,x1,value\n0,1,5\n5,5,7\n", "w.csv", **options_like(vectors))
    combined = combine_designs([vectors, more], "v + w")
    assert combined.y.tolist() == [2.0, 2.0, 7.0]  # (0, 1): (3 * 1 + 5) / 4
    assert combined.measurement_counts().tolist() == [4, 1, 1]
    assert "standing for 6 measurements in all" in combined.report.summary()
    with pytest.raises(DataError, match="'x1' is a feature and the measurement count"):
        read_designs_bytes(b"x0,x1,value\n0,1,1\n1,2,2\n", "f.csv", count_column="x1",
                           feature_columns=["x0", "x1"])  # fmt: skip


def test_combining_says_which_columns_of_which_file_stay_behind() -> None:
    base = read_designs_bytes(b"sequence,value,note,plate\nACDEF,1,ok,p1\nGHIKL,2,,p1\n", "d.csv")
    added = read_designs_bytes(b"sequence,value,batch\nACDEF,3,b2\n", "new.csv",
                               **options_like(base))  # fmt: skip
    report = combine_designs([base, added], "d + new").report
    assert report.columns_ignored == ("note", "plate", "batch")
    assert "not carried into the combined table: note, plate (d.csv); batch (new.csv)" in (
        report.summary())
    plain = read_designs_bytes(b"sequence,value\nMNPQR,1\n", "p.csv", **options_like(base))
    alone = combine_designs([plain, plain], "p + p").report
    assert alone.columns_ignored == () and "not carried" not in alone.summary()


def _vectors(name: str, rows: list[tuple[float, float]], **options) -> object:
    text = "x0,value\n" + "".join(f"{x:g},{v:g}\n" for x, v in rows)
    return read_designs_bytes(text.encode(), name, **options)


def test_measurements_of_one_design_far_apart_are_warned_of_and_still_averaged() -> None:
    # A tester's round 2 re-measured designs at 9.9 where D had -0.73 to -4.6: averaged
    # without a word, and "best value" became the mean of -0.41 and 9.9.
    base = _vectors("d.csv", [(i, i) for i in range(20)])  # values 0..19
    again = _vectors("r2.csv", [(3, 4), (5, 60), (7, 80)], **options_like(base))
    combined = combine_designs([base, again], "d.csv + r2.csv")
    assert combined.y.tolist()[3] == 3.5 and combined.y.tolist()[5] == 32.5  # kept: the mean
    (warning,) = [w for w in combined.report.warnings if "differ by more" in w]
    assert warning.startswith("2 designs measured in more than one of d.csv and r2.csv have "
                              "measurements that differ by more than 2 standard deviations of "
                              "all the values (2 x 8.9 = 17.8)")
    assert "e.g. (5) measured 5, then 60. Each is kept with the mean of its measurements " \
           "(here 32.5)" in warning
    # Repeats as far apart as designs one standard deviation apart are a round's noise.
    near = _vectors("r3.csv", [(3, 10), (5, 12)], **options_like(base))
    assert not [w for w in combine_designs([base, near], "d + r3").report.warnings
                if "differ by more" in w]


def test_designs_measured_again_name_every_file_however_many_are_combined() -> None:
    # One part read "1 design of  and d.csv measured again": the files before the last, none.
    space = SequenceSpace("dna", 4)
    tokens = torch.tensor([[0, 1, 2, 3], [0, 1, 2, 3], [3, 3, 3, 3]])
    made = OfflineData.from_tensors(space, tokens, torch.tensor([1.0, 5.0, 2.0]), "made")
    alone = combine_designs([made], "made").report
    assert ("made: 1 design measured more than once, each kept once with the mean of all its "
            "measurements (the measurements column counts them): 'ACGT' (1, then 5)") in (
        alone.notes)
    assert "measured more than once in made has measurements that differ" in alone.summary()
    unlabeled = OfflineData.from_tensors(space, tokens, None, "u")
    assert "u: 1 design found more than once, kept once" in combine_designs(
        [unlabeled], "u").report.notes
    parts = [read_designs_bytes(f"sequence,value\nACGT,{v}\n".encode(), name, alphabet="dna",
                                min_rows=1) for v, name in enumerate(["a.csv", "b.csv", "c.csv"])]
    three = combine_designs(parts, "a + b + c").report.notes
    assert any(n.startswith("1 design of a.csv, b.csv and c.csv measured again") for n in three)
    # "combined from a.csv (1 design) and b.csv (1 design) and c.csv (1 design)" before
    assert three[0] == "combined from a.csv (1 design), b.csv (1 design) and c.csv (1 design)"
