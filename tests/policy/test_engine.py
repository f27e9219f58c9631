"""decide(): every profile x category x measure, then the edges (cohort, list, profiling, R11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from consentmail.policy import (
    EU_DEFAULT,
    FR_CNIL_2026,
    IT_GARANTE_2026,
    PROFILES,
    STRICT,
    Category,
    ConsentSnapshot,
    Decision,
    Measure,
    MessageContext,
    Mode,
    PurposeState,
    decide,
)

AGREED = datetime(2025, 10, 18, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SNAPSHOTS = {
    "both": ConsentSnapshot(
        newsletter=PurposeState(True, 1, AGREED), tracking=PurposeState(True, 7, AGREED)
    ),
    "news": ConsentSnapshot(newsletter=PurposeState(True, 1, AGREED)),
    "none": ConsentSnapshot(),
}
MODES = {"P": Mode.PERSONAL, "A": Mode.AGGREGATE, "N": Mode.NONE}

# Per profile: category, measure, consent, open, click, basis, rule. Big cohort (50 >= k 10);
# measure "none" and marketing without newsletter consent are tested below.
MATRIX = {
    "it-garante-2026": """
marketing     aggregate  both A A anonymous-aggregate      IT-R4-aggregate
marketing     aggregate  news A A anonymous-aggregate      IT-R4-aggregate
marketing     individual both P P consent:7                IT-R1-consent
marketing     individual news A A anonymous-aggregate      IT-R4-aggregate
transactional aggregate  both A A anonymous-aggregate      IT-R4-aggregate
transactional aggregate  none A A anonymous-aggregate      IT-R4-aggregate
transactional individual both P P consent:7                IT-R1-consent
transactional individual none A A anonymous-aggregate      IT-R4-aggregate
security      aggregate  both A A anonymous-aggregate      IT-R4-aggregate
security      aggregate  none A A anonymous-aggregate      IT-R4-aggregate
security      individual both P P exemption:security       IT-R5-security
security      individual none P P exemption:security       IT-R5-security
mandatory     aggregate  both A A anonymous-aggregate      IT-R4-aggregate
mandatory     aggregate  none A A anonymous-aggregate      IT-R4-aggregate
mandatory     individual both P P exemption:mandatory      IT-R6-mandatory
mandatory     individual none P P exemption:mandatory      IT-R6-mandatory
""",
    "fr-cnil-2026": """
marketing     aggregate  both N N none                     ALL-R20-default-deny
marketing     aggregate  news N N none                     ALL-R20-default-deny
marketing     individual both P P consent:7                FR-R1-consent
marketing     individual news P N exemption:deliverability FR-R7-deliverability
transactional aggregate  both N N none                     ALL-R20-default-deny
transactional aggregate  none N N none                     ALL-R20-default-deny
transactional individual both P P consent:7                FR-R1-consent
transactional individual none P N exemption:deliverability FR-R7-deliverability
security      aggregate  both N N none                     ALL-R20-default-deny
security      aggregate  none N N none                     ALL-R20-default-deny
security      individual both P P exemption:security       FR-R5-security
security      individual none P P exemption:security       FR-R5-security
mandatory     aggregate  both N N none                     ALL-R20-default-deny
mandatory     aggregate  none N N none                     ALL-R20-default-deny
mandatory     individual both P P consent:7                FR-R1-consent
mandatory     individual none P N exemption:deliverability FR-R7-deliverability
""",
    "fr-cnil-2026-aggregate": """
marketing     aggregate  both A A anonymous-aggregate      FR-R4-aggregate
marketing     aggregate  news A A anonymous-aggregate      FR-R4-aggregate
marketing     individual both P P consent:7                FR-R1-consent
marketing     individual news P A exemption:deliverability FR-R7-deliverability
transactional aggregate  both A A anonymous-aggregate      FR-R4-aggregate
transactional aggregate  none A A anonymous-aggregate      FR-R4-aggregate
transactional individual both P P consent:7                FR-R1-consent
transactional individual none P A exemption:deliverability FR-R7-deliverability
security      aggregate  both A A anonymous-aggregate      FR-R4-aggregate
security      aggregate  none A A anonymous-aggregate      FR-R4-aggregate
security      individual both P P exemption:security       FR-R5-security
security      individual none P P exemption:security       FR-R5-security
mandatory     aggregate  both A A anonymous-aggregate      FR-R4-aggregate
mandatory     aggregate  none A A anonymous-aggregate      FR-R4-aggregate
mandatory     individual both P P consent:7                FR-R1-consent
mandatory     individual none P A exemption:deliverability FR-R7-deliverability
""",
    "uk-pecr-2026": """
marketing     aggregate  both A A anonymous-aggregate      UK-R25-statistical
marketing     aggregate  news A A anonymous-aggregate      UK-R25-statistical
marketing     individual both P P consent:7                UK-R1-consent
marketing     individual news A A anonymous-aggregate      UK-R25-statistical
transactional aggregate  both A A anonymous-aggregate      UK-R25-statistical
transactional aggregate  none A A anonymous-aggregate      UK-R25-statistical
transactional individual both P P consent:7                UK-R1-consent
transactional individual none A A anonymous-aggregate      UK-R25-statistical
security      aggregate  both A A anonymous-aggregate      UK-R25-statistical
security      aggregate  none A A anonymous-aggregate      UK-R25-statistical
security      individual both P P exemption:security       UK-R5-security
security      individual none P P exemption:security       UK-R5-security
mandatory     aggregate  both A A anonymous-aggregate      UK-R25-statistical
mandatory     aggregate  none A A anonymous-aggregate      UK-R25-statistical
mandatory     individual both P P consent:7                UK-R1-consent
mandatory     individual none A A anonymous-aggregate      UK-R25-statistical
""",
    "eu-default": """
marketing     aggregate  both A A anonymous-aggregate      EU-R4-aggregate
marketing     aggregate  news A A anonymous-aggregate      EU-R4-aggregate
marketing     individual both P P consent:7                EU-R1-consent
marketing     individual news A A anonymous-aggregate      EU-R4-aggregate
transactional aggregate  both A A anonymous-aggregate      EU-R4-aggregate
transactional aggregate  none A A anonymous-aggregate      EU-R4-aggregate
transactional individual both P P consent:7                EU-R1-consent
transactional individual none A A anonymous-aggregate      EU-R4-aggregate
security      aggregate  both A A anonymous-aggregate      EU-R4-aggregate
security      aggregate  none A A anonymous-aggregate      EU-R4-aggregate
security      individual both P P exemption:security       EU-R5-security
security      individual none P P exemption:security       EU-R5-security
mandatory     aggregate  both A A anonymous-aggregate      EU-R4-aggregate
mandatory     aggregate  none A A anonymous-aggregate      EU-R4-aggregate
mandatory     individual both P P exemption:mandatory      EU-R6-mandatory
mandatory     individual none P P exemption:mandatory      EU-R6-mandatory
""",
    "strict": """
marketing     aggregate  both N N none                     ALL-R20-default-deny
marketing     aggregate  news N N none                     ALL-R20-default-deny
marketing     individual both P P consent:7                STRICT-R1-consent
marketing     individual news N N none                     ALL-R20-default-deny
transactional aggregate  both N N none                     ALL-R20-default-deny
transactional aggregate  none N N none                     ALL-R20-default-deny
transactional individual both P P consent:7                STRICT-R1-consent
transactional individual none N N none                     ALL-R20-default-deny
security      aggregate  both N N none                     ALL-R20-default-deny
security      aggregate  none N N none                     ALL-R20-default-deny
security      individual both P P consent:7                STRICT-R1-consent
security      individual none N N none                     ALL-R20-default-deny
mandatory     aggregate  both N N none                     ALL-R20-default-deny
mandatory     aggregate  none N N none                     ALL-R20-default-deny
mandatory     individual both P P consent:7                STRICT-R1-consent
mandatory     individual none N N none                     ALL-R20-default-deny
""",
}
ROWS = [
    [name, *line.split()] for name, table in MATRIX.items() for line in table.splitlines() if line
]


def _message(category: str | Category, measure: str | Measure, **extra: object) -> MessageContext:
    fields: dict[str, object] = {"aggregate_cohort": 50, "k_min": 10, "at": NOW, **extra}
    return MessageContext(Category(category), Measure(measure), **fields)  # type: ignore[arg-type]


def test_matrix_covers_every_profile_category_and_measured_case() -> None:
    keys = {(r[0], r[1], r[2], r[3]) for r in ROWS}
    assert len(keys) == len(ROWS)
    for name in PROFILES:
        for category in Category:
            kinds = ("both", "news") if category is Category.MARKETING else ("both", "none")
            for measure in ("aggregate", "individual"):
                for kind in kinds:
                    assert (name, category.value, measure, kind) in keys


@pytest.mark.parametrize("row", ROWS, ids=["-".join(r[:4]) for r in ROWS])
def test_matrix(row: list[str]) -> None:
    name, category, measure, kind, opens, clicks, basis, rule_id = row
    decision = decide(SNAPSHOTS[kind], _message(category, measure), PROFILES[name])
    assert decision.send is True
    assert (decision.open_mode, decision.click_mode) == (MODES[opens], MODES[clicks])
    assert (decision.basis, decision.rule_id, decision.profile) == (basis, rule_id, name)
    assert decision.deliverability_only is (basis == "exemption:deliverability")


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize("category", list(Category))
@pytest.mark.parametrize("kind", sorted(SNAPSHOTS))
def test_measure_none_is_never_measured(name: str, category: Category, kind: str) -> None:
    decision = decide(SNAPSHOTS[kind], _message(category, "none"), PROFILES[name])
    if category is Category.MARKETING and kind == "none":
        assert decision.rule_id == "ALL-R24-no-newsletter"
        return
    assert decision == Decision(
        send=True,
        open_mode=Mode.NONE,
        click_mode=Mode.NONE,
        basis="none",
        rule_id="ALL-R20-not-measured",
        reason="This email is not measured.",
        profile=name,
    )


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize("measure", list(Measure))
def test_marketing_without_newsletter_consent_is_not_sent(name: str, measure: Measure) -> None:
    tracking_only = ConsentSnapshot(tracking=PurposeState(True, 7, AGREED))
    decision = decide(tracking_only, _message("marketing", measure), PROFILES[name])
    assert decision == Decision(
        send=False,
        open_mode=Mode.NONE,
        click_mode=Mode.NONE,
        basis="none",
        rule_id="ALL-R24-no-newsletter",
        reason="Not sent: you have not agreed to receive these emails.",
        profile=name,
    )


def test_unsubscribed_and_objected_are_not_sent() -> None:
    message = _message("marketing", "individual")
    gone = replace(SNAPSHOTS["both"], subscribed=False)
    objected = replace(SNAPSHOTS["both"], newsletter=PurposeState(False, 9, NOW, objected=True))
    assert (decide(gone, message, EU_DEFAULT).send, decide(gone, message, EU_DEFAULT).rule_id) == (
        False,
        "ALL-R23-unsubscribed",
    )
    decision = decide(objected, message, EU_DEFAULT)
    assert (decision.send, decision.rule_id, decision.open_mode) == (
        False,
        "ALL-R24-objection",
        Mode.NONE,
    )


@pytest.mark.parametrize("category", ["transactional", "security", "mandatory"])
def test_service_mail_needs_no_newsletter_consent(category: str) -> None:
    objected = ConsentSnapshot(newsletter=PurposeState(False, 9, NOW, objected=True))
    for profile in PROFILES.values():
        assert decide(objected, _message(category, "individual"), profile).send is True


@pytest.mark.parametrize("category", ["transactional", "security", "mandatory"])
def test_no_category_reaches_someone_off_the_audience(category: str) -> None:
    """Unsubscribed from the list sent to, or suppressed: the category is no way round it."""
    gone = replace(SNAPSHOTS["both"], subscribed=False)
    for profile in PROFILES.values():
        d = decide(gone, _message(category, "individual"), profile)
        assert (d.send, d.open_mode, d.click_mode, d.basis, d.rule_id) == (
            False, Mode.NONE, Mode.NONE, "none", "ALL-R23-unsubscribed"
        )


def test_cohort_below_k_gets_no_aggregate() -> None:
    news = SNAPSHOTS["news"]
    small = decide(news, _message("marketing", "individual", aggregate_cohort=9), EU_DEFAULT)
    assert (small.open_mode, small.click_mode, small.basis, small.rule_id) == (
        Mode.NONE,
        Mode.NONE,
        "none",
        "ALL-R4-small-cohort",
    )
    assert small.aggregate_allowed is False
    exactly_k = decide(news, _message("marketing", "aggregate", aggregate_cohort=10), EU_DEFAULT)
    assert (exactly_k.open_mode, exactly_k.aggregate_allowed) == (Mode.AGGREGATE, True)
    strict = decide(news, _message("marketing", "aggregate", aggregate_cohort=9), STRICT)
    assert strict.rule_id == "ALL-R20-default-deny"


def test_aggregate_allowed_records_the_render_cohort() -> None:
    both = SNAPSHOTS["both"]
    assert decide(both, _message("marketing", "individual"), IT_GARANTE_2026).aggregate_allowed
    small = _message("marketing", "individual", aggregate_cohort=3)
    assert not decide(both, small, IT_GARANTE_2026).aggregate_allowed
    assert not decide(both, _message("marketing", "individual"), FR_CNIL_2026).aggregate_allowed


def test_reasons_are_plain_sentences() -> None:
    both, news = SNAPSHOTS["both"], SNAPSHOTS["news"]
    individual = _message("marketing", "individual")
    assert decide(both, individual, EU_DEFAULT).reason == (
        "We measure opens and clicks for you personally because you agreed on 2025-10-18."
    )
    assert decide(news, individual, EU_DEFAULT).reason == (
        "We count opens and clicks only in total for everyone; nothing identifies you."
    )
    assert decide(news, individual, STRICT).reason == "This email is not measured."
    assert decide(news, individual, FR_CNIL_2026).reason == (
        "We keep only the date you last opened our emails, "
        "to stop writing if you no longer read them."
    )
    undated = replace(both, tracking=PurposeState(True, 7))
    assert decide(undated, individual, EU_DEFAULT).reason == (
        "We measure opens and clicks for you personally because you agreed."
    )


def test_a_grant_without_a_ledger_event_is_no_basis() -> None:
    unproven = replace(SNAPSHOTS["both"], tracking=PurposeState(True, None, AGREED))
    decision = decide(unproven, _message("marketing", "individual"), STRICT)
    assert (decision.open_mode, decision.rule_id) == (Mode.NONE, "ALL-R20-default-deny")


def test_consent_is_used_only_when_the_campaign_asks_for_individual() -> None:
    decision = decide(SNAPSHOTS["both"], _message("marketing", "aggregate"), STRICT)
    assert decision.open_mode is Mode.NONE


def test_profiling_is_reported_but_never_changes_tracking() -> None:
    profiled = replace(SNAPSHOTS["both"], profiling=PurposeState(True, 8, AGREED))
    for profile in PROFILES.values():
        for category in Category:
            for measure in Measure:
                plain = decide(profiled, _message(category, measure), profile)
                asked = _message(category, measure, profiling_requested=True)
                with_profiling = decide(profiled, asked, profile)
                assert replace(with_profiling, profiling_allowed=False) == plain
                assert with_profiling.profiling_allowed is True
                assert decide(SNAPSHOTS["both"], asked, profile).profiling_allowed is False


class TestLegacyRegime:
    """FR R11: old addresses, informed, silent after the objection window -> personal."""

    COLLECTED = datetime(2024, 3, 1, tzinfo=UTC)
    INFORMED = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)
    SILENT = ConsentSnapshot(
        newsletter=PurposeState(True, 1, AGREED),
        collected_at=COLLECTED,
        legacy_informed_at=INFORMED,
    )

    def decide_at(self, at: datetime, snapshot: ConsentSnapshot | None = None) -> Decision:
        message = _message("marketing", "individual", at=at)
        return decide(snapshot or self.SILENT, message, FR_CNIL_2026)

    def test_silent_informed_old_address_is_tracked_after_the_window(self) -> None:
        decision = self.decide_at(datetime(2026, 7, 20, tzinfo=UTC))  # informed + 91 days
        assert (decision.open_mode, decision.click_mode) == (Mode.PERSONAL, Mode.PERSONAL)
        assert (decision.basis, decision.rule_id) == ("legacy:non-objector", "FR-R11-legacy")
        assert decision.reason == (
            "We measure opens and clicks for you personally because we told you on 2026-04-20 "
            "and you did not object."
        )

    @pytest.mark.parametrize(
        "at",
        [datetime(2026, 7, 13, tzinfo=UTC), datetime(2026, 7, 19, tzinfo=UTC)],
        ids=["window-open", "objection-period-running"],
    )
    def test_too_early_falls_back_to_deliverability(self, at: datetime) -> None:
        assert self.decide_at(at).rule_id == "FR-R7-deliverability"

    @pytest.mark.parametrize(
        "change",
        [
            {"legacy_informed_at": None},
            {"collected_at": datetime(2026, 4, 14, tzinfo=UTC)},
            {"collected_at": None},
            {"tracking": PurposeState(False, 12, datetime(2026, 5, 1, tzinfo=UTC), objected=True)},
            {"tracking": PurposeState(False, 12, datetime(2026, 5, 1, tzinfo=UTC))},
            {"tracking_requested_at": datetime(2026, 5, 1, tzinfo=UTC)},
        ],
        ids=[
            "not-informed", "collected-on-cutoff", "collection-unknown", "objected", "refused",
            "asked-for-consent",
        ],
    )
    def test_no_legacy_basis(self, change: dict[str, object]) -> None:
        snapshot = replace(self.SILENT, **change)  # type: ignore[arg-type]
        # A recorded refusal or objection also ends the deliverability pixel (stop tracking).
        said_no = "tracking" in change
        expected = "ALL-R20-default-deny" if said_no else "FR-R7-deliverability"
        assert self.decide_at(NOW, snapshot).rule_id == expected

    def test_only_in_france_and_only_for_marketing(self) -> None:
        message = _message("marketing", "individual")
        assert decide(self.SILENT, message, IT_GARANTE_2026).rule_id == "IT-R4-aggregate"
        transactional = _message("transactional", "individual")
        assert decide(self.SILENT, transactional, FR_CNIL_2026).rule_id == "FR-R7-deliverability"
        undated = _message("marketing", "individual", at=None)
        assert decide(self.SILENT, undated, FR_CNIL_2026).rule_id == "FR-R7-deliverability"


@pytest.mark.parametrize(
    ("cohort", "expected"),
    [
        (50, (Mode.AGGREGATE, Mode.AGGREGATE, "anonymous-aggregate",
              "This notice is not measured for you personally, as you asked us to stop tracking "
              "you; opens and clicks are counted only in total.")),
        (9, (Mode.NONE, Mode.NONE, "none",
             "This notice is not measured for you personally: you asked us to stop tracking "
             "you.")),
    ],
)
@pytest.mark.parametrize("action", ["withdraw", "object"])
def test_stop_tracking_ends_the_mandatory_exemption_but_not_security(
    cohort: int, expected: tuple[Mode, Mode, str, str], action: str
) -> None:
    """R6 with R13: the stop-tracking page promises nothing that measures you personally; only
    security mail (R5: activation, password reset, whose links are the function) keeps it."""
    refused = replace(
        SNAPSHOTS["news"], tracking=PurposeState(False, 8, NOW, objected=action == "object")
    )
    for profile, prefix in ((IT_GARANTE_2026, "IT"), (EU_DEFAULT, "EU")):
        d = decide(refused, _message("mandatory", "individual", aggregate_cohort=cohort), profile)
        assert (d.send, d.open_mode, d.click_mode, d.basis, d.reason) == (True, *expected)
        assert d.rule_id == f"{prefix}-R6-R13-refused"
        security = decide(refused, _message("security", "individual"), profile)
        assert (security.basis, security.rule_id) == ("exemption:security", f"{prefix}-R5-security")
    # Silence is no refusal: the exemption holds for whoever never answered.
    silent = decide(SNAPSHOTS["news"], _message("mandatory", "individual"), IT_GARANTE_2026)
    assert silent.rule_id == "IT-R6-mandatory"
