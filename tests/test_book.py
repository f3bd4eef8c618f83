"""The whole book built with execution, strictly, and its chapter pages opened in a real headless browser."""
import functools
import http.server
import threading
from pathlib import Path

import pytest

from jielong.lectures import SECTIONS

CHROMIUM = Path("/usr/bin/chromium")
# Errors that every page of even an empty Jupyter Book 1 logs (see DEVELOPERS.md); any other error fails.
TOLERATED = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode")
# The chapters that show claims (the closing chapter shows none of its own): each prints its verdicts.
CLAIM_CHAPTERS = {section.split("#")[0] for section in SECTIONS.values()}
# Each chapter page and the least number of figures (static twins included) it must show.
PAGES = {"book/stage0_background.html": 3, "book/stage1_pretraining.html": 3, "book/stage1_cleaning.html": 1, "book/stage2_instruction.html": 0, "book/stage2_instruction_data.html": 1,
         "book/stage2_ju_yi_fan_san.html": 1,
         "book/stage2_lora.html": 1, "book/stage2_forgetting.html": 2, "book/stage2_imitation.html": 1,
         "book/stage3_feedback.html": 0, "book/stage3_best_of_n.html": 2,
         "book/stage3_rlhf.html": 1, "book/stage3_dpo_kto.html": 2,
         "book/stage3_grpo_rlaif.html": 1, "book/closing_same_game.html": 1,
         "lectures/lecture06.html": 0, "lectures/lecture07.html": 0, "lectures/lecture08.html": 0, "teaching.html": 0,
         "glossary.html": 0}


@pytest.mark.slow
def test_book_builds_with_every_page(built_book):
    site = built_book / "html"
    for page in ("index.html", *PAGES):
        assert (site / page).exists(), page
        html = (site / page).read_text()
        assert "Traceback" not in html and "does not hold" not in html, page
        assert page.removeprefix("book/").removesuffix(".html") not in CLAIM_CHAPTERS or "Verdict" in html, page
    assert "anim-slider" in (site / "book" / "stage1_pretraining.html").read_text()


@pytest.mark.slow
def test_the_build_and_every_chapter_ran_offline(built_book):
    """The build and every kernel ran with the network guard (tests/offline): none tried to leave the machine."""
    log = built_book.parent / "network-attempts.log"
    assert not log.exists(), log.read_text()[:2000]


@pytest.mark.slow
def test_launch_buttons_open_the_configured_repository_without_a_dot_segment(built_book):
    from launch import repository  # tools/, on the path through conftest

    url, branch = repository()
    owner_and_name = url.removeprefix("https://github.com/")
    html = (built_book / "html" / "book" / "stage1_pretraining.html").read_text()
    assert f"https://mybinder.org/v2/gh/{owner_and_name}/{branch}?urlpath=lab/tree/book/stage1_pretraining.ipynb" in html
    assert f"https://colab.research.google.com/github/{owner_and_name}/blob/{branch}/book/stage1_pretraining.ipynb" in html
    assert "tree/./" not in html and "blob/main/./" not in html


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it)")
def test_chapter_pages_in_a_headless_browser(built_book):
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_book / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    errors: list[str] = []
    failed: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            # Off the loopback nothing can be reached: refuse such requests at once instead of waiting.
            page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
            for path, least in PAGES.items():
                page.goto(f"http://127.0.0.1:{server.server_port}/{path}", wait_until="load")
                figures = page.locator("img[src*='.png']").count()
                assert figures >= least, f"only {figures} figures on {path}"
                assert page.locator("h1").count() >= 1, path
                if path.startswith("lectures/"):  # the claims table is a real table, one row per claim at least
                    assert page.locator("table tbody tr").count() >= 4, f"no claims table on {path}"
            page.goto(f"http://127.0.0.1:{server.server_port}/book/stage1_pretraining.html", wait_until="load")
            slider = page.locator("input.anim-slider")
            assert slider.count() == 1, "static twin missing"
            frame = page.locator(".animation img").first
            before = frame.get_attribute("src")
            slider.fill(slider.get_attribute("max"))
            slider.dispatch_event("input")
            assert frame.get_attribute("src") != before, "scrubbing the static twin does not change the frame"
            browser.close()
    finally:
        server.shutdown()
    assert not failed, f"the page requested what it could not get: {failed}"
    unexpected = [e for e in errors if not any(t in e for t in TOLERATED)]
    assert not unexpected, unexpected
