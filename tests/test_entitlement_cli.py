"""``flask entitlement explain``: the rules on the command line."""

from __future__ import annotations

import json

import pytest


def explain(runner, *args: str):
    return runner.invoke(args=["entitlement", "explain", *args])


def test_explain_json_matches_a_hand_computed_example(runner):
    result = explain(
        runner,
        "--start", "2023-01-31",
        "--education", "primary",
        "--extension", "1",
        "--extension", "2",
        "--leave", "2023-03-01:2023-03-10",
        "--leave", "2023-03-08:2023-03-15",
        "--leave", "2023-06-01:2023-06-01",
        "--birth-date", "1980-05-17",
        "--settled", "2022-11-01",
        "--today", "2024-04-01",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    # Worked by hand:
    #   anniversary = 2023-01-31 + (12 + 1 + 2) months = "2024-04-31" -> 2024-04-30 (month end)
    #   leave days  = 1-15 March 2023 (two overlapping periods, counted once) = 15
    #                 + 1 June 2023 (a single day) = 1                        -> 16
    #   last_day    = 2024-04-30 - 1 day + 16 days = 2024-04-29 + 16 = 2024-05-15
    #   age 42 at settlement (entitled); 67th birthday 2047-05-17, long after: no cut
    #   days_left on 2024-04-01 = 30 (1-30 April) + 15 (1-15 May) = 45
    #   status: started, not after last_day, not on leave -> active
    #   extensions: 2 used of 4 -> 2 left; 24 - 3 months = 21 months left
    #   grant = 45,000 (per person, 2023) + 2 x 27,450 (per decision) = 99,900
    #   flags: 45 <= 90 -> deadline_90; 45 > 30 -> no deadline_30;
    #          active, under both caps, 45 <= 60 -> extension_possible
    assert payload["last_day"] == "2024-05-15"
    assert payload["days_left"] == 45
    assert payload["status"] == "active"
    assert payload["extensions_used"] == 2
    assert payload["extensions_left"] == 2
    assert payload["extension_months_left"] == 21
    assert payload["grant_nok"] == 99_900
    assert payload["flags"] == ["deadline_90", "extension_possible"]
    assert list(payload) == [
        "last_day",
        "days_left",
        "status",
        "extensions_used",
        "extensions_left",
        "extension_months_left",
        "grant_nok",
        "flags",
    ]


def test_explain_json_on_leave_and_cut_by_the_67th_birthday(runner):
    result = explain(
        runner,
        "--start", "2024-09-01",
        "--education", "higher",
        "--leave", "2025-05-01:2025-05-31",
        "--birth-date", "1958-06-15",
        "--rule-set", "tcp_37d_2023",
        "--today", "2025-05-20",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # 2024-09-01 + 12 months = 2025-09-01; - 1 day + 31 days of leave = 2025-10-01;
    # the 67th birthday (2025-06-15) comes first, so last_day = 2025-06-14.
    # days_left on 2025-05-20 = 12 (20-31 May) + 14 (1-14 June) = 26; on leave that day.
    assert payload["last_day"] == "2025-06-14"
    assert payload["days_left"] == 26
    assert payload["status"] == "on_leave"
    assert (payload["extensions_used"], payload["extensions_left"]) == (0, 1)
    assert payload["extension_months_left"] == 6
    assert payload["grant_nok"] is None  # rule 2: no 2024 rate is registered, none is borrowed
    assert payload["flags"] == ["deadline_90", "deadline_30", "on_leave", "extension_possible"]


def test_explain_not_entitled_and_discontinued(runner):
    args = ["--start", "2024-09-01", "--education", "none", "--today", "2024-10-01", "--json"]
    young = explain(runner, *args, "--birth-date", "2007-01-01", "--settled", "2024-08-01")
    assert json.loads(young.stdout)["status"] == "not_entitled"
    gone = explain(runner, *args, "--discontinued", "2024-09-15")
    assert json.loads(gone.stdout)["status"] == "discontinued"
    assert json.loads(gone.stdout)["flags"] == []


def test_explain_without_json_prints_a_summary(runner):
    result = explain(
        runner, "--start", "2024-01-01", "--education", "higher", "--today", "2024-12-02"
    )
    assert result.exit_code == 0, result.output
    assert "active" in result.stdout
    assert "2024-12-31" in result.stdout
    assert "30 days left" in result.stdout
    assert "rate not registered for 2024" in result.stdout  # rule 2: no borrowed 2023 rate
    assert "deadline_30" in result.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["--education", "primary", "--extension", "7"], "months_out_of_range"),
        (["--education", "primary", "--extension", "0"], "months_out_of_range"),
        (
            ["--education", "upper_secondary", "--extension", "3", "--extension", "1"],
            "too_many_decisions",
        ),
        (["--education", "none", *["--extension", "1"] * 5], "too_many_decisions"),
        (["--education", "none", "--leave", "2024-03-10:2024-03-09"], "leave_ends_before_start"),
        (["--education", "none", "--leave", "2024-03-10"], "--leave"),
        (["--education", "none", "--leave", "2024-03-10:2024-3-12"], "--leave"),
        (["--education", "none", "--discontinued", "2024-02-30"], "--discontinued"),
        (["--education", "none", "--birth-date", "17.05.1980"], "--birth-date"),
        # Rule 2: leave and decisions outside the period (2024-01-01 to 2024-12-31).
        (["--education", "none", "--leave", "2023-12-31:2024-01-05"], "leave_before_start"),
        (["--education", "none", "--leave", "2025-01-01:2025-01-05"], "leave_after_end"),
        (["--education", "none", "--extension", "6@2023-12-31"], "decision_before_start"),
        (["--education", "none", "--extension", "6@2025-01-01"], "decision_after_end"),
        (["--education", "none", "--extension", "6@2029-01-01"], "decision_after_end"),
        (["--education", "none", "--extension", "6@2024-13-01"], "--extension"),
        (["--education", "none", "--extension", "six@2024-06-01"], "--extension"),
    ],
)
def test_explain_refusals_exit_2_with_one_line(runner, extra, reason):
    result = explain(runner, "--start", "2024-01-01", "--today", "2024-06-01", *extra, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("option", ["--start", "--today"])
@pytest.mark.parametrize("bad", ["2024-13-01", "2024-02-30", "20240101", "tomorrow", ""])
def test_explain_bad_dates_exit_2(runner, option, bad):
    dates = {"--start": "2024-01-01", "--today": "2024-06-01", option: bad}
    args = [part for pair in dates.items() for part in pair]
    result = explain(runner, *args, "--education", "none")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert option in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_explain_takes_dated_decisions_and_bare_months(runner):
    base = ["--start", "2023-03-01", "--education", "none", "--today", "2024-03-01", "--json"]
    # 2023-03-01 + 12 months - 1 day = 2024-02-29; a decision on that last day counts (+6).
    dated = explain(runner, *base, "--extension", "6@2024-02-29")
    assert dated.exit_code == 0, dated.output
    assert json.loads(dated.stdout)["last_day"] == "2024-08-31"
    # The second decision is dated in the months the first one added.
    chained = explain(runner, *base, "--extension", "6@2024-02-29", "--extension", "2@2024-08-31")
    assert json.loads(chained.stdout)["last_day"] == "2024-10-31"
    assert json.loads(chained.stdout)["grant_nok"] is None  # no 2024 rate registered
    bare = explain(runner, *base, "--extension", "6")
    assert json.loads(bare.stdout)["last_day"] == "2024-08-31"
    assert json.loads(bare.stdout)["grant_nok"] == 45_000 + 27_450  # both at the 2023 rate


def test_explain_refuses_a_start_no_rule_set_applies_to(app, monkeypatch, runner):
    monkeypatch.setitem(app.config, "NORSKVEI_ASSUMED_RULES_UNTIL", "")  # the law as registered
    result = explain(
        runner, "--start", "2022-06-14", "--education", "none", "--today", "2022-07-01"
    )
    assert result.exit_code == 2
    assert "no_rule_set" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    on_the_day = explain(
        runner, "--start", "2022-06-15", "--education", "none", "--today", "2022-07-01"
    )
    assert on_the_day.exit_code == 0, on_the_day.output
    after = explain(runner, "--start", "2026-07-01", "--education", "none", "--today", "2026-08-01")
    assert after.exit_code == 2
    assert "no_rule_set" in after.stderr


def test_explain_tells_the_67th_birthday_cut_in_the_summary(runner):
    result = explain(
        runner, "--start", "2024-09-01", "--education", "higher", "--birth-date", "1958-06-15",
        "--today", "2025-05-20",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2025-06-14" in result.stdout
    assert "67th birthday" in result.stdout
