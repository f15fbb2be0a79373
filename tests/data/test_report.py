"""braid_core.data.report: how two files' design spaces are told apart, and notes named by file."""

from __future__ import annotations

from pathlib import Path

from design_files import write

from braid_core.data import check_designs, of_file, space_mismatch

DNA = "sequence\nACGTACGT\nTTGCACGA\nACGAACGT\n"


def test_a_space_mismatch_says_why_each_file_got_its_alphabet(tmp_path: Path) -> None:
    # One N in row 3 made the offline file protein; the unlabeled one is dna.
    unlabeled = check_designs(write(tmp_path / "U.csv", DNA), value_column=None)
    offline = check_designs(write(tmp_path / "D.csv", "sequence,value\nACGTACGT,1\n"
                                  "TTGCACGA,2\nACGNACGT,3\n"))
    assert space_mismatch(unlabeled, offline) == (
        "the unlabeled designs and the offline designs are not in the same space: "
        f"{tmp_path / 'U.csv'} was read as dna (ACGT), {tmp_path / 'D.csv'} as protein because "
        "of 'N' (row 3); mend the letters, or give both one alphabet (--alphabet)")
    assert space_mismatch(unlabeled, unlabeled) is None


def test_a_space_mismatch_of_lengths_or_kinds_names_each_files_space(tmp_path: Path) -> None:
    unlabeled = check_designs(write(tmp_path / "U.csv", DNA), value_column=None)
    vectors = check_designs(write(tmp_path / "V.csv", "x0,x1\n0.1,0.2\n0.3,0.4\n"))
    assert space_mismatch(unlabeled, vectors) == (
        "the unlabeled designs and the offline designs are not in the same space: "
        f"{tmp_path / 'U.csv'} holds sequences of length 8 over dna, {tmp_path / 'V.csv'} "
        "vectors of dimension 2; pick designs of the same kind and length")


def test_read_as_names_given_alphabets_and_protein_letters(tmp_path: Path) -> None:
    given = check_designs(write(tmp_path / "U.csv", DNA), value_column=None, alphabet="ACGTN")
    assert given.read_as() == "ACGTN (as given)"
    protein = check_designs(write(tmp_path / "P.csv", "sequence\nMKWV\nMKWE\nDKLF\nQRSY\n"))
    assert protein.read_as() == ("protein because of 'D' (row 3), 'E' (row 2), 'F' (row 3) "
                                 "and 9 more letters")


def test_messages_named_each_name_the_file_once(tmp_path: Path) -> None:
    # A note said apart from the summary names its file; one that names it already (the
    # plateau warning, "D.csv: ...") or a part of a combined set is not named twice.
    path = tmp_path / "D.csv"
    path.write_text("sequence,value\n" + "".join(f"{s},{v}\n" for s, v in
                                                  [("ACGT", 1), ("ACGT", 2), ("TTTT", 3)]))
    report = check_designs(path)
    named = report.messages(named=True)
    assert named and len(named) == len(report.messages())
    assert all(line.removeprefix("warning: ").startswith(f"{path}: ") for line in named)
    assert not any(line.count(f"{path}: ") > 1 for line in named)
    assert of_file("a.csv: 2 rows skipped", "a.csv + b.csv") == "a.csv: 2 rows skipped"
    assert of_file("2 rows skipped", "a.csv + b.csv") == "a.csv + b.csv: 2 rows skipped"
