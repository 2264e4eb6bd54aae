"""The shifted clock's helpers (``CHARTER_TEST_TODAY``): servers the tests start on the real
clock get an environment without libfaketime."""

from tests.fake_today import real_clock_environment


def test_the_real_clocks_environment_has_no_libfaketime_and_keeps_the_rest():
    environ = {
        "LD_PRELOAD": "/usr/lib/libother.so /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
        "FAKETIME": "+86400",
        "FAKETIME_NO_CACHE": "1",
        "DONT_FAKE_MONOTONIC": "1",
        "PGOPTIONS": "-c search_path=public,pg_catalog",
        "PATH": "/usr/bin",
    }

    assert real_clock_environment(environ) == {
        "LD_PRELOAD": "/usr/lib/libother.so",
        "PGOPTIONS": "-c search_path=public,pg_catalog",
        "PATH": "/usr/bin",
    }
    only = {"LD_PRELOAD": "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"}
    assert real_clock_environment(only) == {}
    assert environ["FAKETIME"] == "+86400"  # the environment given is left as it was
