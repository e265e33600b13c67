"""The test helpers themselves."""

import pytest

from tests.support import free_port, require_service, rule_marker_problem, running_in_ci


def test_a_missing_service_skips_the_test_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="smtpd is not available: no listener"):
        require_service("smtpd", "no listener")


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_a_missing_service_fails_the_test_under_ci(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CI", value)
    assert running_in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_service("chromium", "not installed")


def test_ci_false_is_not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    assert not running_in_ci()


def test_free_port_is_a_usable_port_number() -> None:
    assert 1024 <= free_port() <= 65535


@pytest.mark.parametrize("ids", [("R56",), ("R5", "G3"), ("G28",)])
def test_rule_markers_citing_policy_rules_ids_are_accepted(ids: tuple[str, ...]) -> None:
    assert rule_marker_problem(pytest.mark.rule(*ids).mark) is None


@pytest.mark.parametrize("ids", [(), ("56",), ("R0",), ("r5",), ("R5 ",), ("R5", "X1")])
def test_rule_markers_without_a_valid_id_are_refused(ids: tuple[str, ...]) -> None:
    assert "POLICY-RULES ids" in str(rule_marker_problem(pytest.mark.rule(*ids).mark))
