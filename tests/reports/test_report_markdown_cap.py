"""The Markdown comment stays under its cap whatever the input size, keeps what a reviewer needs
most, and counts, in its section and at its end, every row it leaves out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from compliance.outputs.report.markdown import MARKDOWN_CAP, fit_parts, fit_rows
from compliance.outputs.report.render import render
from compliance.record.findings import (
    Comparison,
    ControlVerdict,
    FindingsRecord,
    RuntimeCheck,
    effective_status,
)
from policies.catalog import Catalog

#: A waiver file's long entry: about 2,000 characters of justification, 1,000 of control.
JUSTIFICATION = "The log bucket needs the ACL grant until delivery moves to a policy. " * 29
DEFINITION = "An SCP denies public ACL grants; GuardDuty alerts on policy changes. " * 15


def long_waivers(record: FindingsRecord, count: int) -> FindingsRecord:
    """``count`` waivers with long texts, cycling through the sample's (expiring, expired,
    stale) and an active one far from expiry, which needs no attention."""
    waivers = []
    for n in range(count):
        base = record.waivers[n % 4 % 3]
        update: dict[str, object] = {"id": f"W-{n:04d}", "justification": JUSTIFICATION}
        if base.compensating_control:
            update["compensating_control"] = base.compensating_control.model_copy(
                update={"definition": DEFINITION}
            )
        if n % 4 == 3:
            update |= {"state": "active", "expires": date(2027, 6, 30)}
        waivers.append(base.model_copy(update=update))
    return record.model_copy(update={"waivers": waivers})


def section(md: str, heading: str) -> str:
    """The text of the section under ``### heading``, to the next heading of its level."""
    start = md.index(f"\n### {heading}")
    end = md.find("\n### ", start + 1)
    return md[start : end if end > 0 else len(md)]


def listed_ids(part: str) -> list[str]:
    """The evidence ids of a section's finding rows."""
    return [i for row in re.findall(r"^\| (E-[^|]*)\|", part, re.M) for i in row.split(", ")]


def by_hand(md: str) -> tuple[int, int]:
    """How many requirements the by-hand list counts, and how many of them it lists."""
    start = md.index("<summary>Left to evidence by hand (")
    part = md[start : md.index("</details>", start)]
    total = int(re.match(r"<summary>Left to evidence by hand \((\d+)\)", part)[1])  # type: ignore[index]
    rows = re.findall(r"^- \d+: (.*)$", part, re.M)
    return total, sum(len(re.findall(r"\d+(?:\.\d+)+", row)) for row in rows)


def count_of(record: FindingsRecord, status: str) -> int:
    return sum(1 for f in record.findings if effective_status(f) == status)


def cut_by_hand(total: int, listed: int) -> str:
    """The end note's words for the by-hand requirements not listed, if any."""
    return f"; {total - listed} requirement(s) left to evidence by hand" if total - listed else ""


def test_two_hundred_long_waivers_stay_under_the_cap(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    record = long_waivers(sample_record, 200)
    md = render(record, "md", catalog=fixture_catalog)
    assert len(md) < MARKDOWN_CAP
    attention = re.findall(r"^\| \[(W-\d+)\]", section(md, "Waivers needing attention"), re.M)
    assert len(attention) == 150  # every waiver needing attention is listed
    texts = re.findall(r"^#### Waiver (W-\d+)$", md, re.M)
    assert 5 <= len(texts) < 200
    assert all(int(w[2:]) % 4 != 3 for w in texts)  # those needing attention first
    assert (
        f"limit: {200 - len(texts)} waiver text(s), those of waivers needing attention kept" in md
    )
    total, listed = by_hand(md)
    assert f"Not listed here: {200 - len(texts)} waiver text(s){cut_by_hand(total, listed)}." in md
    assert "failing finding(s)" not in md.split("**Truncated**")[1]
    assert len(listed_ids(section(md, "Failures"))) == count_of(record, "fail")


def test_five_thousand_findings_stay_under_the_cap(
    large_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    md = render(large_record, "md", catalog=fixture_catalog)
    assert len(md) < MARKDOWN_CAP
    failing, waived = count_of(large_record, "fail"), count_of(large_record, "waived")
    shown = len(listed_ids(section(md, "Failures")))
    shown_waived = len(listed_ids(section(md, "Waived")))
    assert 100 < shown < failing
    assert f"limit: {failing - shown} failing finding(s) (see its end)._" in md
    assert f"limit: {waived - shown_waived} waived finding(s) (see its end)._" in md
    total, listed = by_hand(md)
    assert (
        f"Not listed here: {failing - shown} failing finding(s); "
        f"{waived - shown_waived} waived finding(s){cut_by_hand(total, listed)}. The HTML "
        "report and the JSON record (`findings.json`) list everything."
    ) in md
    assert md.count("\n#### Waiver ") == 3  # the waivers and their texts are all there


def test_everything_large_at_once(large_record: FindingsRecord, fixture_catalog: Catalog) -> None:
    record = long_waivers(large_record, 200)
    md = render(record, "md", catalog=fixture_catalog)
    assert len(md) < MARKDOWN_CAP
    assert md.startswith("## TAP PCI DSS compliance: gate failed\n")
    failing, waived = count_of(record, "fail"), count_of(record, "waived")
    shown = len(listed_ids(section(md, "Failures")))
    attention = len(re.findall(r"^\| \[W-", section(md, "Waivers needing attention"), re.M))
    texts = md.count("\n#### Waiver ")
    shown_waived = len(listed_ids(section(md, "Waived")))
    assert shown >= 100 and attention >= 50 and texts >= 1  # the first round gives each a share
    total, listed = by_hand(md)
    cut = [
        (failing - shown, "failing finding(s)"),
        (150 - attention, "waiver(s) needing attention"),
        (200 - texts, "waiver text(s)"),
        (waived - shown_waived, "waived finding(s)"),
        (total - listed, "requirement(s) left to evidence by hand"),
    ]
    listed = "; ".join(f"{count} {what}" for count, what in cut if count)
    assert f"Not listed here: {listed}. The HTML report" in md
    assert failing - shown and 200 - texts and waived - shown_waived


def test_a_fitting_record_is_whole(sample_record: FindingsRecord, sample_md: str) -> None:
    assert "Truncated" not in sample_md and "not listed here" not in sample_md.lower()
    assert sample_md.count("\n#### Waiver ") == len(sample_record.waivers)


def test_fit_rows_keeps_the_most_rows_that_fit() -> None:
    def render_rows(count: int) -> str:
        return "x" * (10 * count) + f"[{20 - count} left out]"

    text = fit_rows(render_rows, 20, cap=100)
    assert len(text) < 100 and text.startswith("x" * 80) and "[12 left out]" in text


def test_fit_parts_gives_each_part_its_first_rows_before_filling_in_order() -> None:
    def render_parts(shown: list[int]) -> str:
        return "".join(f"{letter * 10 * n}" for letter, n in zip("abc", shown, strict=True))

    assert fit_parts(render_parts, [20, 20, 20], cap=100) == "a" * 90
    assert fit_parts(render_parts, [20, 20, 20], cap=100, first=[2, 2, 2]) == (
        "a" * 50 + "b" * 20 + "c" * 20
    )
    assert fit_parts(render_parts, [1, 2, 3], cap=100) == "a" * 10 + "b" * 20 + "c" * 30


@pytest.mark.parametrize("fit", [fit_rows, fit_parts])
def test_it_cuts_hard_when_nothing_fits(fit: object) -> None:
    text = (
        fit_rows(lambda count: "y" * 500, 3, cap=200)
        if fit is fit_rows
        else fit_parts(lambda shown: "y" * 500, [3, 4], cap=200)
    )
    assert len(text) < 200 and "size limit" in text


def test_two_thousand_disagreements_are_cut_and_counted(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    verdicts = [
        ControlVerdict(
            target="TapStack-dev",
            control_id="TAP-PUB-01",
            logical_id=f"Bucket{n:05d}",
            type="AWS::S3::Bucket",
            status="fail",
            rules={"checkov CKV_AWS_20": "fail", "cdk-nag PCI.DSS.321-S3BucketPublicRead": "pass"},
            disagreement="checkov finds a public ACL that cdk-nag passes",
        )
        for n in range(2000)
    ]
    record = sample_record.model_copy(update={"verdicts": verdicts})
    md = render(record, "md", catalog=fixture_catalog)
    assert len(md) < MARKDOWN_CAP
    shown = len(re.findall(r"^\| TAP-PUB-01 \| TapStack-dev \| Bucket\d{5} ", md, re.M))
    assert 0 < shown < 2000
    assert f"limit: {2000 - shown} resource(s) where the tools disagree (see its end)._" in md
    assert f"Not listed here: {2000 - shown} resource(s) where the tools disagree" in md
    assert md.count("\n#### Waiver ") == 3  # what comes before it in priority stays whole
    assert len(listed_ids(section(md, "Failures"))) == count_of(record, "fail")


def test_three_thousand_runtime_comparisons_are_cut_and_counted(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    comparisons = [
        Comparison(
            control_id="TAP-ENC-01",
            logical_id=f"Bucket{n:05d}",
            static="fail",
            live="pass",
            config="NON_COMPLIANT",
            drift="IN_SYNC",
            disagreement="the template fails what the live configuration passes",
        )
        for n in range(3000)
    ]
    runtime = RuntimeCheck(
        verified_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        env="dev",
        stack="TapStack-dev",
        account="111111111111",
        region="us-east-1",
        comparisons=comparisons,
    )
    record = sample_record.model_copy(update={"runtime": runtime})
    md = render(record, "md", catalog=fixture_catalog)
    assert len(md) < MARKDOWN_CAP
    shown = len(re.findall(r"^\| TAP-ENC-01 \| Bucket\d{5} \| fail ", md, re.M))
    assert 0 < shown < 3000
    assert f"limit: {3000 - shown} static vs runtime row(s) (see its end)._" in md
    assert f"Not listed here: {3000 - shown} static vs runtime row(s)" in md
    assert md.count("\n#### Waiver ") == 3
