"""The seed documents (../shared/seeds): the exact set of canonical URLs each one cites.

The expected sets were written by reading the files, not by running the extractor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.citations import extract_citations, unique_urls
from archiver.documents import read_document

SEEDS = [
    pytest.param(
        "000_7e39a6834e70aa6b.txt",
        {
            # the article itself (front-matter source_url)
            (
                "https://www.whitehouse.gov/articles/2026/02/"
                "americans-overwhelmingly-support-deporting-criminal-illegals-local-cooperation-with-ice/"
            ),
            "https://www.whitehouse.gov/articles/2026/01/minnesotas-sanctuary-defiance-has-consequences/",
            (
                "https://www.cygn.al/polls/national-poll-deportation-ice-overwhelmingly-supported-by-voters-and-democrats-"
                "pay-a-political-price-on-the-issue-especially-over-a-shutdown/"
            ),
            "https://www.wsj.com/politics/policy/democrat-respone-abolish-ice-bc51a946",  # gaa_* params dropped
            "https://www.cbsnews.com/news/democrats-immigration-anti-ice-midterms/",
            "https://harvardharrispoll.com/key-results-january-6/",
            "https://harvardharrispoll.com/wp-content/uploads/2026/02/HHP_Jan2026_KeyResults.pdf",  # #page=9 dropped
        },
        id="000-whitehouse-markdown",
    ),
    pytest.param("001_6d6aea4910809db8.txt", set(), id="001-no-links"),
    pytest.param(
        "002_1c4e6dc21fb5f98c.txt",
        {"https://t.co/zLkNJ30Oqp", "https://pic.twitter.com/VZsRSPH8iL"},
        id="002-embedded-posts",
    ),
    pytest.param("003_339e2bcf3dd9a03d.txt", set(), id="003-no-links"),
    pytest.param("004_2c5601f76085a0fa.txt", set(), id="004-no-links"),
]


@pytest.mark.parametrize(("name", "expected"), SEEDS)
def test_seed_urls(seeds: Path, name: str, expected: set[str]) -> None:
    citations = extract_citations(read_document(seeds / name))
    assert {c.url for c in citations} == expected
    assert len(unique_urls(citations)) == len(expected)


def test_seed_000_images_are_not_citations(seeds: Path) -> None:
    citations = extract_citations(read_document(seeds / "000_7e39a6834e70aa6b.txt"))
    assert not any(".jpg" in c.url or c.url.startswith("data:") for c in citations)
    assert [c.kind for c in citations] == ["self"] + ["link"] * 6


def test_seed_000_provenance(seeds: Path) -> None:
    citations = extract_citations(read_document(seeds / "000_7e39a6834e70aa6b.txt"))
    by_anchor = {c.anchor: c for c in citations}
    wsj = by_anchor["core"]
    assert wsj.url_as_written.startswith(
        "https://www.wsj.com/politics/policy/democrat-respone-abolish-ice-bc51a946?gaa_at="
    )
    assert wsj.url_as_written.endswith("Q0BXoDitgo6-Q%3D%3D")
    assert (
        wsj.context
        == "58% reject Democrats’ extremist calls to defund ICE — now a core position of their party."
    )
    assert by_anchor["reckless obstruction"].context.startswith(
        "As Radical Left Democrats continue their reckless obstruction, two new polls"
    )
    assert by_anchor["approves"].url_as_written.endswith("KeyResults.pdf#page=9")
    assert by_anchor["approves"].document == str(seeds / "000_7e39a6834e70aa6b.txt")


def test_seed_002_schemeless_post_keeps_its_written_form(seeds: Path) -> None:
    citations = extract_citations(read_document(seeds / "002_1c4e6dc21fb5f98c.txt"))
    assert [(c.url_as_written, c.context) for c in citations] == [
        (
            "https://t.co/zLkNJ30Oqp",
            (
                "VIDEO: Maryland sheriffs pledge to defy Democratic Gov. Wes Moore’s ban on working with ICE "
                "https://t.co/zLkNJ30Oqp"
            ),
        ),
        (
            "pic.twitter.com/VZsRSPH8iL",
            "Anti-ICE agitators do not speak for Americans… pic.twitter.com/VZsRSPH8iL",
        ),
    ]
