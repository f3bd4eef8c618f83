import pytest

from jielong.validation import check_choice, check_float, check_int, check_subset


def test_check_int_accepts_and_rejects():
    assert check_int("steps", 5, 1, 10) == 5
    for bad in (0, 11, 2.5, True, "3", None):
        with pytest.raises(ValueError, match=r"steps must be an integer from 1 to 10"):
            check_int("steps", bad, 1, 10)


def test_check_float_ranges():
    assert check_float("lr", 1e-3, 0, 1, low_open=True) == 1e-3
    for bad in (0, -1, 2, float("nan"), float("inf"), "x"):
        with pytest.raises(ValueError, match=r"lr must be a number in \(0, 1\]"):
            check_float("lr", bad, 0, 1, low_open=True)


def test_check_choice_and_subset_name_the_options():
    assert check_choice("preset", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="preset must be one of 'a', 'b'"):
        check_choice("preset", "c", ("a", "b"))
    assert check_subset("filters", ["b", "a"], ("a", "b", "c")) == ("a", "b")
    with pytest.raises(ValueError, match="filters must be chosen from 'a', 'b'"):
        check_subset("filters", ["z"], ("a", "b"))
