"""Helpers of the role journeys and the keyboard tests: moving through the site as a person
does (through the navigation, behind the menu button on a narrow screen) and checking that the
page is no wider than the window at every step."""

import contextlib

from playwright.sync_api import TimeoutError as PlaywrightTimeout

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 740}
WIDTHS = [DESKTOP, PHONE]

# The focused element, and whether its focus is drawn (an outline or a ring of box-shadow).
FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {
        tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || '').trim().slice(0, 40),
        visible: outline || (style.boxShadow && style.boxShadow !== 'none'),
        outline: style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor,
    };
}"""


def settle(page) -> None:
    """The page loaded and its scripts' first requests answered. On a busy machine a page's
    live socket or polling may keep the network from idling: after 10 s the test goes on with
    what is drawn (each test waits for what it checks)."""
    page.wait_for_load_state("load")
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=10_000)
    page.wait_for_timeout(150)  # the pages' scripts draw their tables, maps and charts


def fits(page, step: str) -> None:
    """The page scrolls no wider than the window (asserted, with what is too wide)."""
    found = page.evaluate(
        """() => ({scroll: document.scrollingElement.scrollWidth, width: window.innerWidth})"""
    )
    assert found["scroll"] <= found["width"], (step, found)


def go(page, label: str) -> None:
    """Follows the navigation entry `label`, opening the menu first when it is behind the
    menu button (a narrow screen)."""
    toggle = page.locator("#menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    page.locator("nav[aria-label=Main] a", has_text=label).first.click()
    page.wait_for_load_state("domcontentloaded")
    settle(page)


def size_id(size: dict) -> str:
    return f"{size['width']}px"
