"""axe-core in the browser tests: inject the vendored engine, run it, keep what blocks people.

`serious_violations(page)` runs axe's WCAG 2.0/2.1/2.2 A and AA rules (and its best practices)
on the page as it stands and returns the serious and critical violations as readable lines:
rule, impact, what is wrong, and the first few elements with axe's own summary of the fix.
The engine is tests/e2e/vendor/axe-core/axe.min.js (version and sha256 in VERSIONS.txt), added
as a script through Playwright (the page's CSP is bypassed by the tests' browser context).
"""

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")

_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 4).map((n) => ({
            target: n.target.join(' '), html: n.html.slice(0, 120),
            summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 220),
        })),
        count: v.nodes.length,
    }));
}"""


def axe_violations(page) -> list[dict]:
    """Every violation axe finds on the page now (any impact)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN, TAGS)


def readable(violation: dict) -> str:
    v = violation
    lines = [f"{v['id']} ({v['impact']}, {v['count']}×): {v['help']}"]
    for node in violation["nodes"]:
        lines.append(f"    {node['target']}  {node['html']}\n      {node['summary']}")
    return "\n".join(lines)


def serious_violations(page) -> list[str]:
    """The serious and critical violations on the page, each as readable text."""
    return [readable(v) for v in axe_violations(page) if v["impact"] in BLOCKING]
