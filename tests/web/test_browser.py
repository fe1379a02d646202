"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright): stylise an image and
download it, an oversized upload's message, a training job watched to the end (and still there after a
reload), a video stylised and downloaded, styles mixed with sliders. Screenshots of each screen go to
out/screenshots/ (the test run's output)."""
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "out" / "screenshots"
TOKEN = "browser-test-token"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
sync_api = pytest.importorskip("playwright.sync_api")
if CHROMIUM is None:
    pytest.skip("no system Chromium (setup.sh installs Debian's `chromium` where apt-get is available)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from styleforge.web import Limits, create_app
    from web_helpers import served

    workspace = tmp_path_factory.mktemp("ws")
    app = create_app(workspace, Limits(max_upload_bytes=3 * 2**20, max_pixels=4_000_000), token=TOKEN)
    with served(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/?token={TOKEN}")  # as `serve` prints it: the page's requests then carry the cookie
    page.wait_for_selector("#model-select option", state="attached")
    yield page
    context.close()


def _photo(path: Path, w=160, h=120, seed=0) -> Path:
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(seed)
    arr = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], -1) + rng.integers(0, 30, (h, w, 3))
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path)
    return path


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_stylise_an_image_and_download_it(page, tmp_path):
    from styleforge.data.sample_photos import demo_photos

    photo = tmp_path / "holiday.png"
    Image.fromarray(demo_photos(360)["grace_hopper"]).save(photo)
    width, height = Image.open(photo).size
    assert not page.is_visible("#result") and not page.is_visible("#download-link")  # no broken images at first
    page.set_input_files("#image-input", str(photo))
    page.click("#stylize-btn")
    page.wait_for_function("document.getElementById('after-img').naturalWidth > 0")
    assert page.eval_on_selector("#before-img", "e => e.naturalWidth") == width
    _shot(page, "stylise_image")
    with page.expect_download() as info:
        page.click("#download-link")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    out = np.asarray(Image.open(saved), dtype=float)
    assert out.shape == (height, width, 3) and np.abs(out - np.asarray(Image.open(photo), dtype=float)).mean() > 3
    assert saved.name == "holiday_styled.png"


def test_an_oversized_upload_gets_a_message(page, tmp_path):
    big = tmp_path / "big.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (1500, 1000, 3), dtype=np.uint8)).save(big)
    assert big.stat().st_size > 3 * 2**20
    page.set_input_files("#image-input", str(big))
    page.click("#stylize-btn")
    page.wait_for_function("document.getElementById('error').textContent.includes('too large')")
    _shot(page, "error_oversized_upload")


def test_train_a_style_and_watch_it_finish(page, tmp_path):
    files = [str(_photo(tmp_path / f"canvas{i}.png", 96, 96, seed=i)) for i in range(10)]
    page.click("nav button[data-tab=train]")
    page.fill("#train-name", "tiny_style")
    page.set_input_files("#train-style", files)
    page.fill("#train-minutes", "0.1")
    page.fill("#train-size", "32")
    page.click("#train-btn")
    page.wait_for_selector(".job[data-status=running], .job[data-status=done]", timeout=30_000)
    page.wait_for_selector(".job[data-status=done]", timeout=240_000)
    page.wait_for_selector(".job[data-status=done] img.sample")
    assert int(page.inner_text(".job[data-status=done] .step")) > 0
    _shot(page, "train_style")
    page.reload()  # the job lives on the server: it is listed again, and its model can be picked
    page.click("nav button[data-tab=train]")
    page.wait_for_selector(".job[data-status=done]")
    page.wait_for_function("[...document.querySelectorAll('#model-select option')].some(o => o.text.includes('tiny_style'))")


def test_stylise_a_video_and_download_it(page, tmp_path):
    import av

    clip = tmp_path / "clip.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for t in range(6):
            arr = np.asarray(Image.open(_photo(tmp_path / "f.png", 64, 48, seed=t)))
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    page.click("nav button[data-tab=video]")
    page.set_input_files("#video-input", str(clip))
    page.click("#video-btn")
    page.wait_for_selector("#video-jobs .job[data-status=done] a.download", timeout=120_000)
    _shot(page, "stylise_video")
    with page.expect_download() as info:
        page.click("#video-jobs a.download")
    saved = tmp_path / "styled.mp4"
    info.value.save_as(saved)
    with av.open(str(saved)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 6


def test_mix_styles_with_sliders(page, tmp_path):
    page.click("nav button[data-tab=mix]")
    page.wait_for_selector("#mix-sliders input")
    page.set_input_files("#mix-input", str(_photo(tmp_path / "p.png")))
    page.click("#mix-btn")
    page.wait_for_function("document.getElementById('mix-after').naturalWidth > 0")
    _shot(page, "mix_styles")
