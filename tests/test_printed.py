"""The tolerant printout comparison that the docs, README and example tests use."""
import pytest

from printed import assert_same_printout, printout_difference


def test_numbers_within_tolerance_agree():
    assert printout_difference("final MSE 0.1171", "final MSE 0.1179", rtol=0.05) is None
    assert printout_difference("term -6.115e-05", "term -6.145e-05", rtol=0.05) is None
    # a rounding boundary flips the last digit: one unit of it is always allowed
    assert printout_difference("o = 0.7072", "o = 0.7071", rtol=0) is None
    assert printout_difference("tensor([1., nan])", "tensor([1., nan])") is None
    assert printout_difference("a  b\n 3", "a b 3") is None     # white space folded


def test_numbers_beyond_tolerance_differ():
    assert "printed 0.1171" in printout_difference("final MSE 0.1171", "final MSE 0.1179")
    assert printout_difference("o = 0.7073", "o = 0.7071", rtol=0) is not None
    assert printout_difference("epoch 5", "epoch 6", rtol=0) is not None   # integers: exact
    assert printout_difference("x nan", "x 1.0") is not None
    assert printout_difference("−3", "-3") is None                  # typographic minus
    assert printout_difference("−3", "3") is not None


def test_words_and_number_counts_must_match():
    assert "text differs" in printout_difference("loss 0.5", "cost 0.5")
    assert "numbers printed" in printout_difference("a 1 2", "a 1")
    assert printout_difference("float32 64-128-10", "float32 64-128-10", rtol=0) is None
    with pytest.raises(AssertionError, match="page.md"):
        assert_same_printout("a 1", "a 2", where="page.md")
