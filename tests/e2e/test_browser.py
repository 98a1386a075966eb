"""The app in a real browser: start `python -m webapp.serve`, paste a note, see highlighted entities.

Uses Debian's chromium through Playwright. Screenshots of every page go to ``MEDNER_SCREENSHOTS``
(default ``runs/screenshots``), with ``timings.json``: the time from pressing Annotate to
highlighted text, for a model run and for a cache hit. Skipped when no chromium is installed,
unless ``MEDNER_REQUIRE_BROWSER=1`` (CI sets it, so there a missing browser fails).
"""

import json
import os
import re
from pathlib import Path

import pytest

from bench.browser import OFFLINE_BROWSER_ARGS, annotate_once, running_app

ROOT = Path(__file__).resolve().parents[2]
NOTE = (ROOT / "examples" / "note.txt").read_text(encoding="utf-8")
PAGES = ["compare", "confusion", "errors", "corpus", "train", "gold"]


def test_paste_a_note_and_see_highlighted_entities(server, browser_path):
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("MEDNER_SCREENSHOTS", ROOT / "runs" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        browser_page = browser.new_page(viewport={"width": 1500, "height": 1100})
        first, _ = annotate_once(browser_page, server, NOTE)
        entities = browser_page.locator("mark.medner-entity")
        assert entities.count() > 5
        labels = set(entities.evaluate_all("marks => marks.map(m => m.dataset.label)"))
        assert "Drug" in labels
        assert browser_page.get_by_text("model run").count() >= 1
        # the medication list: current medications by default, the others one click away
        current = browser_page.get_by_role("radio", name=re.compile(r"^Current \(\d+\)$")).first
        expect(current).to_be_visible(timeout=60_000)
        expect(browser_page.get_by_text("Status is read from the words around each drug").first).to_be_visible()
        browser_page.get_by_role("radio", name=re.compile(r"^All \(\d+\)$")).first.click()
        expect(browser_page.get_by_role("radio", name=re.compile(r"^All \(\d+\)$")).first).to_be_checked(timeout=60_000)
        browser_page.screenshot(path=str(shots / "annotate.png"), full_page=True)

        cached, _ = annotate_once(browser_page, server, NOTE)  # same note, same model: served from the store's cache
        assert browser_page.get_by_text("cache hit").count() >= 1
        for name in PAGES:
            browser_page.goto(f"{server}/{name}")
            browser_page.locator("h1").first.wait_for(timeout=60_000)
            browser_page.wait_for_timeout(1500)
            browser_page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        browser.close()
    timings = {"annotate_to_highlight_seconds": {"model_run": round(first, 3), "cache_hit": round(cached, 3)}}
    (shots / "timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")
    print(f"annotate -> highlighted text: model run {first:.2f} s, cache hit {cached:.2f} s; screenshots in {shots}")


def test_with_a_password_every_page_address_leads_to_sign_in(app_env, browser_path):
    from playwright.sync_api import sync_playwright

    from webapp.auth import PASSWORD_HASH_VARIABLE, hash_password

    environment = {k: v for k, v in app_env.items() if k != "root"}
    environment[PASSWORD_HASH_VARIABLE] = hash_password("correct horse")
    with running_app(environment) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        browser_page = browser.new_page()
        # a fresh server's very first request goes straight to a page (it must not run before sign-in)
        for name in ["gold", "", *PAGES]:
            browser_page.goto(f"{url}/{name}")
            browser_page.get_by_label("Password", exact=True).wait_for(timeout=60_000)
            headings = browser_page.locator("h1").all_inner_texts()
            assert headings == ["MedNER Studio"], f"/{name} showed {headings}"
        browser_page.get_by_label("Password", exact=True).fill("correct horse")
        browser_page.get_by_role("button", name="Sign in").click()
        # the address asked for (the last page visited) opens after sign-in; the others are a click away
        browser_page.get_by_role("heading", name="Gold editing").wait_for(timeout=60_000)
        browser_page.get_by_role("link", name="Compare models").click()
        browser_page.get_by_role("heading", name="Compare models").wait_for(timeout=60_000)
        browser_page.get_by_role("button", name="Sign out").click()
        browser_page.get_by_label("Password", exact=True).wait_for(timeout=60_000)
        browser.close()


@pytest.fixture
def listener():
    """A loopback HTTP server that records every request: where a leaked link or image would go."""
    import http.server
    import threading

    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


def test_text_shaped_like_markdown_or_html_is_shown_as_written_and_fetches_nothing(server, browser_path, listener):
    from playwright.sync_api import sync_playwright

    address, requests = listener
    phrase = (
        f"![x]({address}/markdown.png) <img src={address}/html.png> [link]({address}/link) "
        f"{address}/bare :red[red] $x^2$"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        browser_page = browser.new_page()
        browser_page.goto(f"{server}/gold")
        browser_page.get_by_role("heading", name="Gold editing").wait_for(timeout=60_000)
        browser_page.get_by_role("tab", name="Add a span").click()
        box = browser_page.get_by_label("Exact text of the new span")
        box.fill(phrase)
        box.blur()
        browser_page.get_by_role("button", name="Add span").click()
        alert = browser_page.get_by_text("does not occur")
        alert.wait_for(timeout=60_000)
        browser_page.wait_for_timeout(1500)
        shown = alert.inner_text().replace("\u200b", "")  # inert() breaks bare links with an invisible space
        links = alert.locator("a, img").count()
        browser.close()
    assert requests == [], f"the page fetched {requests}"
    assert phrase in shown, shown
    assert links == 0, "no link or image made of the text"


def test_the_server_refuses_an_upload_without_its_xsrf_token(server):
    import urllib.error
    import urllib.request

    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="n.txt"\r\n\r\naspirin\r\n--b--\r\n'
    request = urllib.request.Request(
        f"{server}/_stcore/upload_file/some-session/some-file",
        data=body,
        method="PUT",
        headers={"Content-Type": "multipart/form-data; boundary=b", "Origin": "http://elsewhere.example"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403 and b"xsrf" in refused.value.read().lower()
