"""The annotation view in a real browser: select a word with the mouse, press a number key, see
the new span; click it, press another number to relabel it; save; the store holds exactly that
revision. Screenshots go to ``MEDNER_SCREENSHOTS`` (default ``runs/screenshots``)."""

import os
from pathlib import Path

from bench.browser import OFFLINE_BROWSER_ARGS
from db.repository import Store
from engine.labels import LABELS

ROOT = Path(__file__).resolve().parents[2]

#: Finds a word of the note outside every span and returns where it is on screen and in the note.
FIND_WORD = """
() => {
  const body = document.querySelector('.medner-annotator .medner-text');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  let offset = 0, node;
  while ((node = walker.nextNode())) {
    const inMark = node.parentElement.closest('mark');
    if (!inMark) {
      const match = /\\b[a-z]{5,}\\b/.exec(node.textContent);
      if (match) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        range.startContainer.parentElement.scrollIntoView({block: 'center'});
        const rect = range.getBoundingClientRect();
        return {word: match[0], start: offset + match.index, left: rect.left, right: rect.right,
                middle: rect.top + rect.height / 2};
      }
    }
    offset += node.textContent.length;
  }
  return null;
}
"""


#: Scrolls the note's box to its end and finds the last word there outside every span, as FIND_WORD.
FIND_LAST_WORD = """
() => {
  const body = document.querySelector('.medner-annotator .medner-text');
  body.scrollTop = body.scrollHeight;
  body.scrollIntoView({block: 'end'});  // the page shows the box's end; the box keeps its own scroll
  const nodes = [];
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) nodes.push(node);
  for (const node of nodes.reverse()) {
    if (node.parentElement.closest('mark')) continue;
    const matches = [...node.textContent.matchAll(/\\b[a-z]{5,}\\b/g)];
    if (matches.length) {
      const match = matches[matches.length - 1];
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rect = range.getBoundingClientRect();
      return {word: match[0], left: rect.left, right: rect.right, middle: rect.top + rect.height / 2,
              scroll: body.scrollTop};
    }
  }
  return null;
}
"""


def test_an_edit_at_the_end_of_a_long_note_keeps_the_note_scrolled_where_it_was(app_env, server, browser_path):
    from playwright.sync_api import expect, sync_playwright

    store = Store.open(app_env["DATABASE_URL"])
    try:
        longest = max(store.documents("demo", "test"), key=lambda d: len(d.text))
    finally:
        store.close()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server}/gold")
        page.locator(".medner-annotator .medner-text").wait_for(timeout=90_000)
        choose = page.get_by_role("combobox", name="Split")
        choose.click()
        page.get_by_role("option", name="test", exact=True).click()
        document = page.get_by_role("combobox", name="Document")
        document.click()
        page.keyboard.type(longest.id)
        page.get_by_role("option", name=longest.id, exact=True).click()
        page.wait_for_timeout(1500)
        page.locator(".medner-annotator .medner-text").wait_for(timeout=90_000)
        found = page.evaluate(FIND_LAST_WORD)
        assert found and found["scroll"] > 100, "the longest test note is taller than its box"
        page.mouse.move(found["left"] + 1, found["middle"])
        page.mouse.down()
        page.mouse.move(found["right"] - 1, found["middle"], steps=8)
        page.mouse.up()
        expect(page.locator(".medner-annotator .medner-status")).to_contain_text("selected", timeout=10_000)
        page.keyboard.press("1")
        added = page.locator(f'.medner-annotator mark[data-label="{LABELS[0]}"]', has_text=found["word"])
        expect(added).not_to_have_count(0, timeout=60_000)
        page.wait_for_timeout(1000)
        scroll = page.evaluate("() => document.querySelector('.medner-annotator .medner-text').scrollTop")
        browser.close()
    assert abs(scroll - found["scroll"]) < 5, f"scrolled to {found['scroll']} before the edit, {scroll} after"


def test_select_a_word_press_a_number_relabel_it_by_click_and_save_that_revision(app_env, server, browser_path):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    store = Store.open(app_env["DATABASE_URL"])
    try:
        document_id = store.documents("demo", "dev")[0].id
        before = store.document("demo", document_id)
        revisions = len(store.gold_history("demo", document_id))
    finally:
        store.close()
    shots = Path(os.environ.get("MEDNER_SCREENSHOTS", ROOT / "runs" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    url = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/gold")
        page.locator(".medner-annotator .medner-text").wait_for(timeout=90_000)
        found = page.evaluate(FIND_WORD)
        assert found, "the note has a word outside every span"
        page.mouse.move(found["left"] + 1, found["middle"])
        page.mouse.down()
        page.mouse.move(found["right"] - 1, found["middle"], steps=8)
        page.mouse.up()
        expect(page.locator(".medner-annotator .medner-status")).to_contain_text("selected", timeout=10_000)
        page.keyboard.press("2")  # the second label
        added = page.locator(f'.medner-annotator mark[data-label="{LABELS[1]}"]', has_text=found["word"])
        expect(added).to_have_count(1, timeout=60_000)
        page.screenshot(path=str(shots / "annotation-view.png"), full_page=True)

        added.first.click()
        expect(page.locator(".medner-annotator mark.medner-selected")).to_have_text(found["word"], timeout=10_000)
        page.keyboard.press("3")  # relabel to the third label
        relabelled = page.locator(f'.medner-annotator mark[data-label="{LABELS[2]}"]', has_text=found["word"])
        expect(relabelled).to_have_count(1, timeout=60_000)

        name = page.get_by_label("Your name (kept with each revision you save)")
        name.fill("browser-annotator")
        name.press("Enter")
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Save gold revision").click()
        expect(page.get_by_text("Saved revision")).to_be_visible(timeout=60_000)

        # the review queue and the agreement between the two people who saved this document
        page.get_by_text("Review queue: the next document to review").click()
        expect(page.get_by_text("Reviewed by browser-annotator")).to_be_visible(timeout=120_000)
        page.screenshot(path=str(shots / "review-queue.png"), full_page=True)
        expect(page.get_by_role("heading", name="Agreement between two annotators")).to_be_visible(timeout=60_000)
        kappa = page.get_by_text("Cohen's kappa (word tags)")
        expect(kappa).to_be_visible(timeout=60_000)
        # Streamlit scrolls inside its own container, so a full-page shot stops at the window: scroll the
        # agreement into view first. A rerun may still replace the element under this one-shot action
        # ("not attached to the DOM"): look it up again and retry, as expect() does.
        for attempt in range(5):
            try:
                kappa.scroll_into_view_if_needed(timeout=10_000)
                break
            except PlaywrightError:
                if attempt == 4:
                    raise
        page.screenshot(path=str(shots / "agreement.png"), full_page=True)
        browser.close()

    store = Store.open(app_env["DATABASE_URL"])
    try:
        history = store.gold_history("demo", document_id)
        latest = history[0]
    finally:
        store.close()
    assert len(history) == revisions + 1 and latest.author == "browser-annotator"
    new = [s for s in latest.spans if s not in set(before.spans)]
    assert [(s.start, s.end, s.label, s.text) for s in new] == [
        (found["start"], found["start"] + len(found["word"]), LABELS[2], found["word"])
    ]
    assert set(before.spans) <= set(latest.spans), "nothing else changed"
