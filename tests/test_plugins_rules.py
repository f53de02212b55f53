"""rules.yaml: loading, templates, and every problem reported with file, line and path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import AwareDatetime, BaseModel

from govflow.plugins.rules import NoRuleMatched, OpenCase, Skip, Trigger, apply_rules
from govflow.plugins.rules_yaml import RulesLoadError, load_rules, parse_window

ROOT = Path(__file__).resolve().parents[1]


class Finding(BaseModel):
    id: str
    kind: str
    cell: str
    found_at: AwareDatetime
    place: str = ""


MODELS = {"patrol": Finding}
GOOD = """\
rules:
  - name: vending
    source: patrol
    when: {kind: [street_vending, night_market]}
    open:
      workflow: street_vending
      cell: "{cell}"
      category: street_vending
      at: "{found_at}"
      data: {location: "at {place}", on: yes}
      merge_within: 2h
  - name: close
    source: patrol
    when: {kind: cleared}
    trigger: {ref: "{id}", name: close, reason: "cleared at {place}"}
  - name: rest
    source: patrol
    skip: nothing to do
"""


def finding(kind: str) -> Finding:
    return Finding(id="f1", kind=kind, cell="410102001001001",
                   found_at=datetime(2026, 9, 29, tzinfo=UTC), place="颍河路")


def test_rules_compile_to_opens_triggers_and_skips() -> None:
    """when matches one of the values; {field} fills from the record, alone keeping its type."""
    rules = load_rules(GOOD, models=MODELS, filename="rules.yaml")
    opened = apply_rules(rules, finding("night_market"))
    assert isinstance(opened, OpenCase)
    assert opened.cell == "410102001001001" and opened.merge_within == timedelta(hours=2)
    assert opened.at == datetime(2026, 9, 29, tzinfo=UTC)
    assert opened.data == {"location": "at 颍河路", "on": "yes"}
    closed = apply_rules(rules, finding("cleared"))
    assert closed == Trigger(ref="f1", trigger="close", reason="cleared at 颍河路")
    assert isinstance(apply_rules(rules, finding("other")), Skip)
    assert rules[0].origin == "rules.yaml:2"


def test_no_matching_rule_is_an_error_listing_the_rules_tried() -> None:
    """A record no rule maps raises NoRuleMatched (intake makes it a dead letter)."""
    rules = load_rules(GOOD, models=MODELS)[:1]
    with pytest.raises(NoRuleMatched, match="vending"):
        apply_rules(rules, finding("other"))


def test_every_problem_is_reported_with_its_line() -> None:
    """Unknown keys, two outcomes, a bad window, unknown source and fields: all at once."""
    bad = """\
rules:
  - name: a
    source: patrol
    open: {workflow: w, cell: "{cell}", merge_within: fortnight}
  - name: b
    source: patrol
    skip: x
    trigger: {ref: "{id}", name: close}
  - name: c
    source: nowhere
    skip: x
  - name: d
    source: patrol
    when: {colour: red}
    open: {workflow: w, cell: "{cel}"}
  - name: d
    source: patrol
    skpi: typo
"""
    with pytest.raises(RulesLoadError) as info:
        load_rules(bad, models=MODELS, filename="rules.yaml")
    shown = [str(p) for p in info.value.problems]
    assert any(s.startswith("rules.yaml:4 rules.0.open") and "fortnight" in s for s in shown)
    assert any(s.startswith("rules.yaml:5 rules.1") and "exactly one of" in s for s in shown)
    assert any(s.startswith("rules.yaml:18 rules.4.skpi") for s in shown)
    checked = """\
rules:
  - name: c
    source: nowhere
    skip: x
  - name: d
    source: patrol
    when: {colour: red}
    open: {workflow: w, cell: "{cel}"}
  - name: d
    source: patrol
    skip: again
"""
    with pytest.raises(RulesLoadError) as second:
        load_rules(checked, models=MODELS, filename="rules.yaml")
    shown = [str(p) for p in second.value.problems]
    assert any("unknown source 'nowhere'" in s and s.startswith("rules.yaml:3") for s in shown)
    assert any("'colour' is not in Finding" in s for s in shown)
    assert any("'cel' is not in Finding" in s for s in shown)
    assert any(s.startswith("rules.yaml:9") and "defined twice" in s for s in shown)


def test_not_yaml_is_reported_with_its_line() -> None:
    """A YAML syntax error names the file and line."""
    with pytest.raises(RulesLoadError, match=r"rules.yaml:3"):
        load_rules("rules:\n  - name: a\n  source: [\n", filename="rules.yaml")


def test_windows_are_plain_words() -> None:
    """'30 min', '2h', '1 day' parse; anything else says how to write one."""
    assert parse_window("30 min") == timedelta(minutes=30)
    assert parse_window("1.5 hours") == timedelta(hours=1.5)
    assert parse_window("1 day") == timedelta(days=1)
    with pytest.raises(ValueError, match=r"write e\.g\."):
        parse_window("soon")


def test_the_plugins_rules_file_loads_against_its_models() -> None:
    """urban_management's rules.yaml is valid for its patrol model."""
    from govflow.plugins.loading import import_plugin

    um = import_plugin("urban_management", ROOT / "plugins")
    rules = load_rules(ROOT / "plugins" / "urban_management" / "rules.yaml",
                       models={"urban_patrol": um.models.PatrolFinding})
    assert {r.name for r in rules} == {"street_vending", "oil_fumes", "hoarding", "gas_safety"}


def test_a_deployment_rules_file_maps_a_plugins_source(tmp_path: Path) -> None:
    """PluginHost(rules_files=...): the deployment's rules come first and override the plugin's."""
    from govflow.plugins import PluginHost
    from govflow.plugins.loading import import_plugin
    from govflow.plugins.testing import PluginHarness

    pl = import_plugin("politics_law", ROOT / "plugins")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: night_noise\n"
        "    source: police_incidents\n"
        "    when: {kind: noise}\n"
        "    open: {workflow: command_order, cell: \"{cell}\", category: noise_patrol,\n"
        "           at: \"{reported_at}\"}\n", encoding="utf-8")
    host = PluginHost([pl.PoliticsLaw(sample_size=200)], entry_points=False, rules_files=[rules])
    assert [r.name for r in host.rules["police_incidents"]] == ["night_noise", "incident_rule"]
    assert host.registry.owners[("rule", "police_incidents:night_noise")] == "<host>"
    harness = PluginHarness(pl.PoliticsLaw(sample_size=200), workflows=ROOT / "workflows.yaml",
                            rules_files=[rules])
    report = harness.run("police_incidents")
    noise = [c for c in harness.cases() if c.category == "noise_patrol"]
    assert report.dead == 0 and noise and {c.workflow for c in noise} == {"command_order"}
    assert not any(c.category == "public_security:noise" for c in harness.cases())


def test_a_time_field_in_case_data_is_written_as_iso_text() -> None:
    """``data: {found: "{found_at}"}`` puts the ISO text in the case data; ``at`` keeps the time."""
    text = """\
rules:
  - name: vending
    source: patrol
    open:
      workflow: street_vending
      cell: "{cell}"
      at: "{found_at}"
      data: {found: "{found_at}", both: ["{found_at}"]}
  - name: close
    source: patrol
    when: {kind: cleared}
    trigger: {ref: "{id}", name: dismiss, data: {when: "{found_at}"}}
"""
    rules = load_rules(text, models=MODELS)
    at = datetime(2026, 9, 29, 10, 0, tzinfo=UTC)
    op = apply_rules(rules, Finding(id="f1", kind="x", cell="410102001001001", found_at=at))
    assert isinstance(op, OpenCase)
    assert op.at == at
    assert op.data == {"found": at.isoformat(), "both": [at.isoformat()]}
    closing = apply_rules(rules[1:], Finding(id="f1", kind="cleared", cell="c", found_at=at))
    assert isinstance(closing, Trigger) and closing.data == {"when": at.isoformat()}


def test_a_deployment_rule_replaces_the_plugins_rule_of_the_same_name(tmp_path: Path) -> None:
    """A host rules file naming a plugin's rule replaces it (no RegistrationConflict)."""
    from govflow.plugins import PluginHost
    from govflow.plugins.loading import import_plugin

    um = import_plugin("urban_management", ROOT / "plugins")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: street_vending\n"
        "    source: urban_patrol\n"
        "    when: {kind: street_vending}\n"
        "    skip: handled by the district's own team\n", encoding="utf-8")
    host = PluginHost([um.make_plugin()], entry_points=False, rules_files=[rules])
    assert host.failures == []
    named = [r for r in host.rules["urban_patrol"] if r.name == "street_vending"]
    assert len(named) == 1 and named[0].origin.startswith("rules.yaml")
    assert host.registry.owners[("rule", "urban_patrol:street_vending")] == "<host>"
    assert host.rules["urban_patrol"][0] is named[0]
