"""braid_core.data.sequences: case, alphabets (given or inferred), lengths and letters.

Every bad-input test checks that the message names the file, the offending rows and the problem.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from design_files import fails, write

from braid_core.data import (
    DataError,
    check_designs,
    options_like,
    read_designs,
    read_designs_bytes,
    write_designs_csv,
)
from braid_core.spaces import NAMED_ALPHABETS


def test_upper_and_lower_case_give_the_same_tokens(tmp_path: Path) -> None:
    data = read_designs(write(tmp_path / "d.csv", "Sequence,Value\nacGT,1\nGGcc,2\n"))
    assert data.sequences() == ["ACGT", "GGCC"]
    assert data.x.tolist() == [[0, 1, 2, 3], [2, 2, 1, 1]]
    assert read_designs(tmp_path / "d.csv", alphabet="DNA").space.alphabet == "ACGT"
    assert read_designs(tmp_path / "d.csv", alphabet="tgca").space.alphabet == "TGCA"


@pytest.mark.parametrize(
    ("sequences", "alphabet"),
    [(["ACGT", "AAAA"], "ACGT"), (["ACGU", "AAAA"], "ACGU"), (["MKVW", "ACGT"], "protein")],
)
def test_alphabet_inference(tmp_path: Path, sequences: list[str], alphabet: str) -> None:
    path = write_designs_csv(tmp_path / "d.csv", sequences)
    data = read_designs(path)
    assert data.space.alphabet == NAMED_ALPHABETS.get(alphabet, alphabet)
    assert data.alphabet_inferred and data.report.alphabet_inferred
    assert any("alphabet inferred" in note for note in data.report.notes)
    assert not read_designs(path, alphabet=data.space.alphabet).alphabet_inferred


def test_mixed_lengths_name_the_majority_and_the_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence\nACGT\nACG\nTTTT\nGGGG\nACGTA\n")
    err = fails(path, "row 2", "row 5", problem="3 of 5 have length 4 (the most common)")
    assert "row 2 (length 3); row 5 (length 5)" in str(err)
    assert err.rows == ["row 2", "row 5"]


def test_letters_outside_a_given_alphabet(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence\nACGT\nACXT\nAC-T\n")
    err = fails(path, "row 2", "row 3", problem="outside the alphabet dna (ACGT)", alphabet="dna")
    assert "'ACXT' has 'X' (first at position 3)" in str(err)
    assert "'AC-T' has '-'" in str(err)


def test_alphabet_that_cannot_be_inferred_suggests_the_option(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence\nACGT\nACGU\nACGB\n")
    err = fails(path, "row 3", problem="cannot infer the alphabet")
    assert "--alphabet" in str(err) and "ABCGTU" in str(err) and "'ACGB' has 'B'" in str(err)


def test_the_rows_named_are_those_outside_the_alphabet_most_rows_fit(tmp_path: Path) -> None:
    # One T among RNA rows: DNA and RNA tied on one odd letter each, DNA won, and the message
    # named every RNA row ("row 1 ... has 'U'") but never the row with the T.
    rows = ["ACGU", "UCGA", "AUGC", "CUGA", "GAUC", "ATCA", "UUCA"]
    path = write(tmp_path / "d.csv", "sequence\n" + "\n".join(rows) + "\n")
    err = fails(path, "row 6", problem="letters outside the nearest, rna, in 1 row: row 6 'ATCA' "
                "has 'T' (first at position 2)")
    assert err.rows == ["row 6"]
    assert ("T (DNA) and U (RNA) are mixed: write every T as U (or every U as T); or give the "
            "alphabet (--alphabet) with every letter used, ACGTU") in str(err)
    # One U among DNA rows: dna is the nearest (protein, lacking U too, was called as near).
    one_u = write(tmp_path / "u.csv", "sequence\nACGT\nTCGA\nACGU\n")
    fails(one_u, "row 3", problem="letters outside the nearest, dna, in 1 row: row 3 'ACGU'")
    # As many rows each way: both are named ("letters outside dna, as near as rna and protein").
    tied = write(tmp_path / "t.csv", "sequence\nACGU\nACGT\nUCGA\nTCGA\n")
    err = fails(tied, "row 1", "row 2", "row 3", "row 4", problem="fit none of dna (ACGT), rna "
                "(ACGU) or protein (ACDEFGHIKLMNPQRSTVWY): DNA and RNA letters are mixed, T in 2 "
                "rows (row 2, row 4) and U in as many (row 1, row 3) (rows counted from 1 below "
                "the header, blank lines included). Write every T as U (or every U as T)")
    assert "as near as" not in str(err)
    # A tie of other letters says what the rows are outside of.
    digits = write(tmp_path / "g.csv", "sequence\n12\n34\n")
    err = fails(digits, "row 1", "row 2", problem="letters outside dna (and as many rows have "
                "letters outside rna and protein) in 2 rows")
    # Digits are no letters of a sequence: no alphabet of them is offered.
    assert str(err).endswith("Fix them: digits belong in no sequence"), str(err)
    # Fewer letters outside breaks a tie in rows: protein lacks only B where dna lacks B, E, Q.
    fewer = write(tmp_path / "f.csv", "sequence\nEQBA\nACGT\n")
    fails(fewer, "row 1", problem="letters outside the nearest, protein, in 1 row")


def test_invalid_alphabet_option(tmp_path: Path) -> None:
    fails(write(tmp_path / "d.csv", "sequence\nAC\nCA\n"), problem="repeats", alphabet="ACA")


@pytest.mark.parametrize(
    ("alphabet", "problem"),
    [("protien", "unknown alphabet name 'protien': did you mean 'protein'? (or give the letters "
      "themselves, e.g. ACGT)"),
     ("A, C", "alphabet 'A, C' holds a comma and white space: give the letters run together")],
)
def test_an_alphabet_refused_names_the_file(tmp_path: Path, alphabet: str, problem: str) -> None:
    # spaces.resolve_alphabet judges the alphabet (tests/test_spaces.py); the file is named
    path = write(tmp_path / "d.csv", "sequence\nACGT\nACGA\n")
    fails(path, alphabet=alphabet, problem=problem)


def test_a_missing_sequence_column_offers_the_option_and_a_column_of_letters(
        tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "Seq,Activity\nACGU,0.5\nUCGA,1\n")
    fails(path, problem="no column 'sequence' with the sequences, nor columns of vectors; the "
          "columns are 'Seq', 'Activity'; column 'Seq' holds letters only: if these are the "
          "sequences, set --sequence-column to 'Seq'; for vectors, every column but the value "
          "column (and measurements) must hold numbers")
    two = write(tmp_path / "t.csv", "name,seq,v\nab,ACGU,0.5\ncd,UCGA,1\n")
    fails(two, problem="the columns are 'name', 'seq', 'v'; if a column holds the sequences, set "
          "--sequence-column to its name")


def test_vectors_numbered_from_one_are_told_to_start_at_x0(tmp_path: Path) -> None:
    # x1..x12: "no column 'sequence'", and nothing said of the numbering.
    names = [f"x{i}" for i in range(1, 13)]
    row = ",".join(["0.5"] * 12)
    path = write(tmp_path / "d.csv", ",".join([*names, "value"]) + f"\n{row},1\n{row},2\n")
    fails(path, problem="no column 'sequence' with the sequences, nor x0 for vectors: vector "
          "columns are numbered from x0 (x0, x1, ...), and this file's run x1 to x12: rename "
          "them x0 to x11")
    one = write(tmp_path / "o.csv", "X1,value\n1,2\n3,4\n")
    fails(one, problem="this file's is X1 alone: rename it x0")
    gapped = write(tmp_path / "g.csv", "x1,x3,value\n1,2,3\n4,5,6\n")
    fails(gapped, problem="this file's start at x1 (x1, x3): number them x0, x1, ... without "
          "a gap", kind="vector")


def test_missing_sequence(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "sequence,value\nACGT,1\n,2\n  ,3\n")
    fails(path, "row 2", "row 3", problem="2 rows without a sequence in 'sequence'")


def test_fasta_bad_letters_name_record_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "d.fa", ">s1\nACGT\n>s2 value=1\nACJT\n")
    err = fails(path, "record 2 (>s2, line 3)", problem="outside the alphabet dna", alphabet="dna")
    assert "'ACJT' has 'J'" in str(err)


def test_a_stray_letter_that_is_no_nucleotide_code_is_named_with_its_row(tmp_path: Path) -> None:
    rows = ["".join(letters) for letters in itertools.product("ACGT", repeat=8)][:20]
    path = tmp_path / "withE.csv"
    path.write_text("sequence\n" + "\n".join(rows[:12] + ["ACGEACGT"] + rows[13:]) + "\n")
    report = check_designs(path, value_column=None)
    assert report.space.alphabet == "ACDEFGHIKLMNPQRSTVWY"  # the rule reads it as protein
    assert report.warnings == (f"{path}: read as protein because of 'E' (row 13), the only "
                               "letter outside ACGT: if these are nucleic acids, mend the row "
                               "with 'E' (no nucleotide code)",)
    both = tmp_path / "withEN.csv"
    both.write_text("sequence\n" + "\n".join(["ACGTACGT", "ACGEACGT", "ACGNACGT", "EEGTACGT"]
                                              + rows[:8]) + "\n")
    assert check_designs(both, value_column=None).warnings == (
        f"{both}: read as protein because of 'E' (row 2) and 'N' (row 3), the only letters "
        "outside ACGT: if these are nucleic acids, mend the 2 rows with 'E' (no nucleotide "
        "code; row 2, row 4) and set --alphabet to ACGTN",)
    # More rows than are named: the rest counted, and how to have the check quote them.
    many = tmp_path / "withE7.csv"
    many.write_text("sequence\n" + "\n".join([row[:3] + "E" + row[4:] if i % 3 == 0 else row
                                               for i, row in enumerate(rows)]) + "\n")
    assert check_designs(many, value_column=None).warnings == (
        f"{many}: read as protein because of 'E' (row 1), the only letter outside ACGT: if "
        "these are nucleic acids, mend the 7 rows with 'E' (no nucleotide code; row 1, row 4, "
        "row 7, row 10, row 13 and 2 more: with --alphabet set to ACGT, the check refuses "
        "them, each quoted with the letter's position)",)
    with pytest.raises(DataError, match=r"7 rows: row 1 'AAAEAAAA' has 'E' \(first at "):
        check_designs(many, value_column=None, alphabet="ACGT")


def test_vectors_where_sequences_are_wanted_are_called_vectors(tmp_path: Path) -> None:
    sequences = tmp_path / "dna.csv"
    sequences.write_text("sequence,value\nACGT,1\nACGA,2\n")
    vectors = tmp_path / "vec.csv"
    vectors.write_text("x0,x1,x2,value\n0.1,0.2,0.3,1\n0.4,0.5,0.6,2\n")
    with pytest.raises(DataError, match=r"vec\.csv: no column 'sequence' with the sequences: "
                       r"its columns x0, x1, \.\.\. hold vectors, and sequences are wanted here"):
        read_designs(vectors, **options_like(read_designs(sequences)))
    with pytest.raises(DataError, match=r"nor columns of vectors; .* for vectors, every column "
                       r"but the value column \(and measurements\) must hold numbers"):
        read_designs_bytes(b"seq,value\nACGT,1\nACGA,2\n", "named.csv")


def test_nucleotides_with_an_ambiguity_code_read_as_protein_get_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "withN.csv"
    path.write_text("sequence,value\nACGTACGT,1\nACGNACGT,2\nTTGCACGA,3\n")
    report = check_designs(path)
    assert report.space.alphabet == "ACDEFGHIKLMNPQRSTVWY"  # the rule reads it as protein
    (warning,) = report.warnings
    # the letter and its first row: the one to mend (or to allow)
    assert warning == (f"{path}: read as protein because of 'N' (row 2), the only letter "
                       "outside ACGT: if these are nucleic acids, set --alphabet to ACGTN")
    assert report.read_as() == "protein because of 'N' (row 2)"
    assert check_designs(path, alphabet="ACGTN").warnings == ()
    # One N among 200 designs is more likely a base not read than a letter of the data's: the
    # advice to allow it (so that designs may use it) comes with the way to mend its row.
    rows = ["".join(letters) for letters in itertools.product("ACGT", repeat=8)][:200]
    rows[57] = "ACGTNACG"
    few = tmp_path / "oneN.csv"
    few.write_text("sequence\n" + "\n".join(rows) + "\n")
    assert check_designs(few, value_column=None).warnings == (
        f"{few}: read as protein because of 'N' (row 58), the only letter outside ACGT: if "
        "these are nucleic acids, set --alphabet to ACGTN (then the designs may use it too), or "
        "mend row 58 and set it to ACGT",)
    for letters in ("ACGTKL", "ACDEFGHIK"):  # L is no nucleotide code; plain protein
        other = tmp_path / f"{letters}.csv"
        other.write_text("sequence\n" + "\n".join(letters[i:] + letters[:i]
                                                   for i in range(3)) + "\n")
        assert check_designs(other, value_column=None).warnings == ()
