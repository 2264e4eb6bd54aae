"""The catalogue-row tests cover the whole catalogue: a row added to the charter without its
start, keep and breach tests fails here, and so does a test table naming a row that no longer
exists."""

from collections import Counter

from commitments.seed_data import COMMITMENTS
from tests.charter_portal.promises import test_rows_desk, test_rows_records


def test_every_catalogue_row_has_its_start_keep_and_breach_tests():
    tested = Counter([*test_rows_desk.ROWS, *test_rows_records.ROWS])
    catalogue = {commitment["code"] for commitment in COMMITMENTS}

    assert [code for code, times in tested.items() if times > 1] == []
    assert sorted(catalogue - set(tested)) == []
    assert sorted(set(tested) - catalogue) == []
