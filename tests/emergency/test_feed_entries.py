"""Reading a feed's entries (pure): Atom links (the CAP one preferred), CAP documents inline in
an Atom entry, RSS items and their CAP enclosures."""

import pytest

from emergency.cap.parse import CapRefused, parse_xml
from emergency.choices import RefusalReason
from emergency.services.feeds import feed_entries
from tests.emergency.conftest import cap_xml

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><id>urn:1</id><link rel="alternate" type="text/html" href="https://x.example/1.html"/>
<link rel="alternate" type="application/cap+xml" href="https://x.example/1.xml"/></entry>
<entry><id>urn:2</id><link href="https://x.example/2"/></entry>
<entry><id>urn:3</id><content type="application/cap+xml">INLINE</content></entry>
</feed>"""

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Met</title>
<item><title>a</title><link>https://m.example/a.xml</link></item>
<item><title>b</title><link>https://m.example/b.html</link>
<enclosure url="https://m.example/b.cap" type="application/cap+xml" length="1"/></item>
</channel></rss>"""


def test_atom_entries_prefer_the_cap_link_and_take_inline_documents():
    inline = cap_xml("inline-1").split(b"?>", 1)[1]
    entries = feed_entries(parse_xml(ATOM.replace(b"INLINE", inline)))
    assert [href for href, _ in entries] == [
        "https://x.example/1.xml",
        "https://x.example/2",
        "urn:3",
    ]
    assert entries[0][1] is None and b"inline-1" in entries[2][1]


def test_rss_items_take_their_link_or_cap_enclosure():
    entries = feed_entries(parse_xml(RSS))
    assert [href for href, _ in entries] == ["https://m.example/a.xml", "https://m.example/b.cap"]


def test_a_document_nested_thousands_deep_is_refused_with_its_reason_not_a_recursion_error():
    deep = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:x</id>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        + b"<a>" * 50_000
        + b"</a>" * 50_000
        + b"</alert></entry></feed>"
    )
    with pytest.raises(CapRefused, match="nested more than 64 deep") as refused:
        parse_xml(deep)
    assert refused.value.reason == RefusalReason.FORBIDDEN_XML
    assert feed_entries(parse_xml(ATOM))  # an ordinary feed still reads
