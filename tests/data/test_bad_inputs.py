"""The loader over a generated corpus of 60+ bad and odd files: every good file read upright in RGB,
every bad one refused with a reason naming it, a folder of all of them loaded without a crash."""
import numpy as np

from bad_inputs import marker_is_top_left
from styleforge.data.datasets import load_folder
from styleforge.errors import ImageReadError
from styleforge.imageio import open_image


def test_corpus_is_large_and_mixed(bad_corpus):
    _, cases = bad_corpus
    assert len(cases) >= 40
    assert sum(c.expect == "skip" for c in cases) >= 20 and sum(c.expect == "ok" for c in cases) >= 30


def test_each_file_is_read_or_refused_naming_it(bad_corpus):
    _, cases = bad_corpus
    for case in cases:
        if case.expect == "ok":
            im = open_image(case.path)
            assert im.mode == "RGB" and min(im.size) >= 1, case.name
        elif case.expect == "skip":
            try:
                open_image(case.path)
            except ImageReadError as exc:
                assert str(case.path) in str(exc) and exc.reason, case.name
            else:
                raise AssertionError(f"{case.name} was read but should be refused")


def test_all_eight_exif_orientations_come_out_upright(bad_corpus):
    _, cases = bad_corpus
    exif = [c for c in cases if c.name.startswith("exif_orientation_")]
    assert len(exif) == 8
    for case in exif:
        assert marker_is_top_left(np.asarray(open_image(case.path))), case.name


def test_unsupported_formats_say_what_to_do(bad_corpus):
    folder, _ = bad_corpus
    for name in ("phone.heic", "camera.cr2"):
        try:
            open_image(folder / name)
        except ImageReadError as exc:
            assert "convert the file to JPEG or PNG" in str(exc)


def test_folder_of_everything_keeps_good_files_and_reports_the_rest(bad_corpus):
    folder, cases = bad_corpus
    images = load_folder(folder, load_size=32)
    kept = set(images.files)
    assert kept == {str(c.path) for c in cases if c.expect == "ok"}
    skipped = dict(images.report.skipped)
    for case in cases:
        if case.expect == "skip":
            assert skipped.get(str(case.path)), f"{case.name} not reported"
    # extreme aspect ratios are centre-cropped, not blown up (a 100000x2 strip would be 3.2M px wide at 32)
    assert max(max(a.shape[:2]) for a in images.images) <= 8 * 32
