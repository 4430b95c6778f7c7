"""lstm_companion.datasets: the packaged real data (checksummed) and the Mackey-Glass series."""

from lstm_companion import datasets

import numpy as np
import pytest


def test_load_sunspots_shapes_and_known_values():
    years, sunspots = datasets.load_sunspots()
    assert years.shape == sunspots.shape == (309,)
    assert years.dtype == np.int64 and sunspots.dtype == np.float64
    np.testing.assert_array_equal(years, np.arange(1700, 2009))
    assert sunspots[:3].tolist() == [5.0, 11.0, 16.0]  # first rows of the NOAA file
    assert sunspots[-1] == 2.9 and sunspots.max() == 190.2 and sunspots.min() >= 0


def test_packaged_data_files_all_have_recorded_checksums():
    from importlib import resources

    shipped = {
        p.name for p in resources.files("lstm_companion").joinpath("data_files").iterdir() if p.name != "README.md"
    }
    assert shipped == set(datasets.DATASET_SHA256)


def test_load_co2_is_monthly_without_gaps_with_its_trend_and_season():
    months, co2 = datasets.load_co2()
    assert months.shape == co2.shape == (444,)
    assert months.dtype == np.dtype("datetime64[M]") and co2.dtype == np.float64
    np.testing.assert_array_equal(months, np.arange("1965-01", "2002-01", dtype="datetime64[M]"))
    assert co2[:2].tolist() == [319.4, 320.45] and co2[-1] == 371.02  # first and last rows of the file
    yearly_rise = co2[12:] - co2[:-12]
    assert 1.3 < yearly_rise.mean() < 1.5  # ppm a year over 1965-2001
    assert np.argmax(co2[:12]) == 4 and np.argmin(co2[:12]) == 9  # the yearly peak in May, the trough in October


def test_load_airline_is_box_and_jenkins_series_g():
    months, passengers = datasets.load_airline()
    assert months.shape == passengers.shape == (144,)
    assert months.dtype == np.dtype("datetime64[M]") and passengers.dtype == np.float64
    np.testing.assert_array_equal(months, np.arange("1949-01", "1961-01", dtype="datetime64[M]"))
    assert passengers[:4].tolist() == [112.0, 118.0, 132.0, 129.0] and passengers[-1] == 432.0
    assert passengers.sum() == 40363.0 and passengers.max() == 622.0


@pytest.mark.parametrize(
    "filename, loader",
    [("sunspots.csv", datasets.load_sunspots), ("co2_monthly.csv", datasets.load_co2),
     ("airline.csv", datasets.load_airline), ("python_docs.txt", datasets.load_python_docs)],
)  # fmt: skip
def test_a_modified_data_file_is_refused(monkeypatch, filename, loader):
    monkeypatch.setitem(datasets.DATASET_SHA256, filename, "0" * 64)
    with pytest.raises(RuntimeError, match=f"{filename}.*corrupted or modified"):
        loader()


def test_a_tampered_file_is_refused_by_its_content(monkeypatch):
    """The checksum is computed from the bytes read, not trusted: edit one value and the load fails."""
    from importlib import resources

    original = resources.files("lstm_companion").joinpath("data_files", "co2_monthly.csv").read_bytes()
    tampered = original.replace(b"1965-01,319.400", b"1965-01,319.500")
    assert tampered != original

    class FakeFile:
        def __init__(self, data):
            self.data = data

        def joinpath(self, *parts):
            return self

        def read_bytes(self):
            return self.data

    monkeypatch.setattr(datasets.resources, "files", lambda package: FakeFile(tampered))
    with pytest.raises(RuntimeError, match="co2_monthly.csv.*corrupted or modified"):
        datasets.load_co2()


def test_mackey_glass_is_chaotic_in_range_and_settles_when_the_delay_is_short():
    series = datasets.mackey_glass(1500, seed=0)
    assert series.shape == (1500,) and series.dtype == np.float32
    assert 0.2 < series.min() < 0.6 and 1.1 < series.max() < 1.4  # the attractor's known range for tau = 17
    np.testing.assert_array_equal(series, datasets.mackey_glass(1500, seed=0))
    assert not np.allclose(series, datasets.mackey_glass(1500, seed=1), atol=1e-2)  # chaos amplifies the perturbation
    # with a short delay the fixed point x* = (beta / gamma - 1) ** (1 / n) = 1 is stable
    stable = datasets.mackey_glass(200, tau=1.0, discard=300, seed=0)
    np.testing.assert_allclose(stable, 1.0, atol=1e-4)


def test_mackey_glass_delay_must_be_a_multiple_of_the_step():
    with pytest.raises(ValueError, match="tau must be a positive multiple of dt"):
        datasets.mackey_glass(10, tau=1.05)


@pytest.mark.parametrize("constants", [{"gamma": 1e39}, {"beta": 1e39}])
def test_mackey_glass_refuses_constants_that_make_the_float32_series_overflow(constants):
    with pytest.raises(ValueError, match=r"must give a series that stays finite in float32, got"):
        datasets.mackey_glass(50, discard=0, **constants)


def test_mackey_glass_refuses_a_delay_longer_than_an_array_holds():
    with pytest.raises(ValueError, match=r"tau / dt must be finite|\(n_points \+ discard\) \* sample_every \+ tau"):
        datasets.mackey_glass(5, tau=1e300, dt=1e-300)
    with pytest.raises(ValueError, match=r"\(n_points \+ discard\) \* sample_every \+ tau / dt must be at most"):
        datasets.mackey_glass(5, tau=1e30, dt=0.5)


def test_load_python_docs_is_the_ascii_text_of_the_help_topics():
    corpus = datasets.load_python_docs()
    assert isinstance(corpus, str) and len(corpus) == 465_119 and corpus.isascii()
    assert corpus.startswith('The "assert" statement\n**********************\n') and corpus.endswith("\n")
    assert len(set(corpus)) == 94 and "$" not in corpus and "`" not in corpus
    assert corpus.count("\n") == 11_452
    assert 'The "with" statement' in corpus and 'The "yield" statement' in corpus
