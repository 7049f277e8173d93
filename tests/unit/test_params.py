"""The one reader per kind of request value (forum.params): numbers, decimals, dates, times."""

from datetime import UTC, date, datetime

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from forum import params


@pytest.mark.parametrize("value", ["²", "١٢", "٣", "１", "9" * 5000, "-1", "0", "1e3", " 1",
                                   "1 ", "+1", "0x10", "", "1.0", "1_0", None, True, 1.0, [1],
                                   0, -5, 2**31])
def test_whole_numbers_are_ascii_digits_in_range(value):
    assert params.read_whole_number(value) is None


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("007", 7), (5, 5),
                                                 ("2147483647", 2**31 - 1)])
def test_whole_numbers_that_are_taken(value, expected):
    assert params.read_whole_number(value) == expected


def test_bounds_are_the_callers():
    assert params.read_whole_number("100000", 1, params.MAX_PAGE) == 100_000
    assert params.read_whole_number("100001", 1, params.MAX_PAGE) is None
    assert params.read_whole_number("1", 2, 10) is None


@pytest.mark.parametrize(("text", "expected"), [("35", 35.0), ("0.35", 0.35), (".5", 0.5),
                                                ("-2", -2.0), ("5.", 5.0)])
def test_decimals_in_ascii(text, expected):
    assert params.read_decimal(text) == expected


@pytest.mark.parametrize("text", ["1e3", "nan", "inf", "-inf", "1_0", "٥٠", "５０", "0x10",
                                  " 5", "5 ", "", ".", "1.2.3", "9" * 5000, None, 5])
def test_decimals_refused(text):
    assert params.read_decimal(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2027-06-30T14:00", datetime(2027, 6, 30, 14, tzinfo=UTC)),
    ("2027-06-30T14:00:05Z", datetime(2027, 6, 30, 14, 0, 5, tzinfo=UTC)),
    ("2027-06-30T14:00:05.5Z", datetime(2027, 6, 30, 14, 0, 5, 500000, tzinfo=UTC)),
    ("2027-06-30T14:00:00+02:00", datetime(2027, 6, 30, 12, tzinfo=UTC)),
    ("2027-06-30T14:00:00-00:30", datetime(2027, 6, 30, 14, 30, tzinfo=UTC)),
])
def test_times_in_the_extended_form_become_utc(text, expected):
    assert params.read_time(text) == expected


@pytest.mark.parametrize("text", ["2027-06-30", "2027-06-30 14:00", "2027-06-30T14",
                                  "20270630T140000Z", "2027-W26-3T14:00", "2027-06-30t14:00z",
                                  "2027-06-30T14:00:00.1234567Z", "2027-06-30T14:00+0200",
                                  "２０２７-06-30T14:00", "2027-06-30T25:00",
                                  "0001-01-01T00:00:00+23:59", " 2027-06-30T14:00", None, 0])
def test_times_in_other_forms_are_refused(text):
    assert params.read_time(text) is None


def test_read_date_is_the_plain_form():
    assert params.read_date("2028-02-29") == date(2028, 2, 29)
    assert params.read_date("2027-02-29") is None


def test_the_id_converter_takes_one_spelling_of_each_id():
    urls = Map([Rule("/p/<id:row>", endpoint="p")],
               converters={"id": params.IdConverter}).bind("example.com")
    assert urls.match("/p/12") == ("p", {"row": 12})
    assert urls.match("/p/2147483647") == ("p", {"row": 2**31 - 1})
    for path in ("/p/١٢", "/p/012", "/p/0", "/p/１", "/p/2147483648", "/p/+1", "/p/99999999999"):
        with pytest.raises(NotFound):
            urls.match(path)
    assert urls.build("p", {"row": 7}) == "/p/7"
