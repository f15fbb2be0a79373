"""braid_core.spaces: encode/decode round trips, case-insensitivity, clear errors."""

from __future__ import annotations

import re

import pytest
import torch

from braid_core.spaces import (
    NAMED_ALPHABETS,
    SequenceSpace,
    VectorSpace,
    alphabet_name,
    names_differ,
    resolve_alphabet,
    space_from_dict,
    space_to_dict,
)


def test_encode_decode_round_trip(generator: torch.Generator) -> None:
    space = SequenceSpace("protein", 12)
    tokens = torch.randint(0, 20, (50, 12), generator=generator)
    sequences = space.decode(tokens)
    assert all(len(s) == 12 and set(s) <= set(NAMED_ALPHABETS["protein"]) for s in sequences)
    assert torch.equal(space.encode(sequences), tokens)


def test_token_ids_follow_the_alphabet_order() -> None:
    space = SequenceSpace("TGCA", 4)
    assert space.encode(["TGCA", "AAAT"]).tolist() == [[0, 1, 2, 3], [3, 3, 3, 0]]
    assert space.decode(torch.tensor([[3, 2, 1, 0]])) == ["ACGT"]


def test_encode_is_case_insensitive() -> None:
    space = SequenceSpace("dna", 4)
    upper = space.encode(["ACGT", "TTGA"])
    assert torch.equal(space.encode(["acgt", "tTgA"]), upper)
    assert upper.dtype == torch.int64


def test_encode_names_the_sequence_and_the_problem() -> None:
    space = SequenceSpace("dna", 4)
    with pytest.raises(ValueError, match=r"sequence 1 \('ACG'\) has length 3, expected 4"):
        space.encode(["ACGT", "ACG"])
    with pytest.raises(ValueError, match=r"sequence 2 \('ACNT'\) has letter 'N' outside"):
        space.encode(["ACGT", "AAAA", "ACNT"])
    with pytest.raises(ValueError, match="letter 'é' outside"):
        space.encode(["ACéT"])


def test_empty_batches() -> None:
    space = SequenceSpace("rna", 5)
    assert space.encode([]).shape == (0, 5)
    assert space.decode(torch.empty(0, 5, dtype=torch.int64)) == []


def test_decode_rejects_token_ids_out_of_range() -> None:
    space = SequenceSpace("dna", 2)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        space.decode(torch.tensor([[0, 4]]))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        space.decode(torch.tensor([[-1, 0]]))


def test_one_hot_and_relax() -> None:
    space = SequenceSpace("dna", 3)
    one_hot = space.one_hot(torch.tensor([[0, 3, 1]]))
    assert one_hot.shape == (1, 3, 4) and one_hot.dtype == torch.float32
    assert one_hot.argmax(-1).tolist() == [[0, 3, 1]]
    relaxed = space.relax(torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(0)))
    assert torch.allclose(relaxed.sum(-1), torch.ones(2, 3))


def test_resolve_alphabet() -> None:
    assert resolve_alphabet("Protein") == NAMED_ALPHABETS["protein"]
    assert resolve_alphabet("acgtn") == "ACGTN"
    assert alphabet_name("ACGU") == "rna" and alphabet_name("ACGTN") == "ACGTN"
    for bad, problem in [("A", "at least 2"), ("ACA", "repeats A"), ("A C", "space"),
                         ("nucleotide", "alphabet 'nucleotide' is not one of the names dna, "
                          "rna, protein, and as letters it repeats E: give a name, or each "
                          "letter once")]:
        with pytest.raises(ValueError, match=problem):
            resolve_alphabet(bad)


@pytest.mark.parametrize(
    ("typo", "name"),
    [("protien", "protein"), ("Protien", "protein"), ("proteins", "protein"), ("prot", "protein"),
     ("dan", "dna"), ("nda", "dna"), ("dnaa", "dna"), ("rnas", "rna")],
)
def test_a_mistyped_alphabet_name_is_named_not_read_as_letters(typo: str, name: str) -> None:
    problem = f"unknown alphabet name '{typo}': did you mean '{name}'? (or give the letters"
    with pytest.raises(ValueError, match=re.escape(problem)):
        resolve_alphabet(typo)
    with pytest.raises(ValueError, match=re.escape(problem)):  # however the space is made
        SequenceSpace(typo, 4)


@pytest.mark.parametrize(
    "letters", ["ACGT", "acgt", "acgu", "tgca", "DAN", "PROTIEN", "ACGT-", "ACGT*", "xyz",
                "ACDEFGHIKLMNPQRSTVWY", "acdefghiklmnpqrstvwy"],
)
def test_letters_that_only_resemble_a_name_stay_letters(letters: str) -> None:
    assert resolve_alphabet(letters) == letters.upper()


@pytest.mark.parametrize(("alphabet", "what"), [("ACGT,", "a comma"), ("A,C,G,T", "a comma"),
                                                ("AC GT", "white space"), ("AC\tGT", "white space"),
                                                ("A, C", "a comma and white space"),
                                                ("A C G T", "white space")])
def test_commas_and_spaces_are_not_letters(alphabet: str, what: str) -> None:
    problem = f"alphabet {alphabet!r} holds {what}: give the letters run together, each once"
    with pytest.raises(ValueError, match=re.escape(problem)):
        resolve_alphabet(alphabet)


def test_space_checks_and_dict_round_trip() -> None:
    with pytest.raises(ValueError, match="length"):
        SequenceSpace("dna", 0)
    with pytest.raises(ValueError, match="dim"):
        VectorSpace(0)
    for space in (SequenceSpace("protein", 7), SequenceSpace("XYZ", 2), VectorSpace(3)):
        assert space_from_dict(space_to_dict(space)) == space
    with pytest.raises(ValueError, match="unknown space"):
        space_from_dict({"kind": "graph"})


def test_vector_spaces_keep_their_columns_names() -> None:
    assert VectorSpace(3).names == ("x0", "x1", "x2")
    named = VectorSpace(2, ("temperature", "pH"))
    assert named != VectorSpace(2)
    assert named.describe() == "vectors of dimension 2 (temperature, pH)"
    # Compared as columns are found in files, ignoring case; each keeps its own.
    upper = VectorSpace(2, ("X0", "X1"))
    assert upper == VectorSpace(2) and hash(upper) == hash(VectorSpace(2))
    assert upper.names == ("X0", "X1") and upper.describe() == "vectors of dimension 2"
    for space in (named, upper):
        assert space_from_dict(space_to_dict(space)).names == space.names
    # Configs of x0, x1, ... read and write as they did before names were kept.
    assert space_to_dict(VectorSpace(2)) == {"kind": "vector", "dim": 2}
    assert space_from_dict({"kind": "vector", "dim": 2}).names == ("x0", "x1")
    for names, problem in [(("a",), "1 names for vectors of dimension 2"),
                           (("a", "A"), "distinct"), (("a", " "), "not blank")]:
        with pytest.raises(ValueError, match=problem):
            VectorSpace(2, names)
    assert names_differ(named, VectorSpace(2, ("temp", "pH"))) == (
        "their columns are named apart, 'temperature' / 'temp' (column 1)")
    assert names_differ(named, VectorSpace(3)) == ""  # another dimension says so itself
