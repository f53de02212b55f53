"""public_opinion: the message board replayed, classification into the three-level tree."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from govflow.plugins.loading import import_plugin
from govflow.plugins.samples import district
from govflow.plugins.testing import PluginHarness
from govflow.records import Actor

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
ZHENGWU = DATA / "zhengwu"


@pytest.fixture(scope="module")
def po() -> ModuleType:
    return import_plugin("public_opinion", ROOT / "plugins")


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real data file {path.name} is not in ../shared/data")
    return path


def test_first_level_accuracy_on_the_labelled_sample_is_measured(po: ModuleType) -> None:
    """The keyword classifier's first level against the official labels (reported figure)."""
    need(ZHENGWU / "zhengwu_messages_labeled_sample.csv")
    classifier = po.classify.Classifier(
        po.classify.load_taxonomy(ZHENGWU / "zhengwu_category_taxonomy.csv"))
    with (ZHENGWU / "zhengwu_messages_labeled_sample.csv").open(encoding="utf-8") as handle:
        rows = [(r["subject"], r["detail"], r["category_l1"]) for r in csv.DictReader(handle)]
    correct, total = po.classify.accuracy(classifier, rows)
    print(f"first-level accuracy: {correct}/{total} = {correct / total:.1%}")
    assert total == 495
    assert correct / total > 0.6  # measured 353/495 = 71.3 %; guards against regressions


def test_classification_lands_on_a_leaf_of_the_official_tree(po: ModuleType) -> None:
    """A message gets l1/l2/l3 that exist together in the taxonomy."""
    taxonomy = po.classify.load_taxonomy(need(ZHENGWU / "zhengwu_category_taxonomy.csv"))
    classifier = po.classify.Classifier(taxonomy)
    leaf = classifier.classify("A市西湖建筑集团占道施工有安全隐患", "人行道被圈进施工围墙")
    assert leaf in set(taxonomy) and leaf.l1 == "城乡建设"
    assert leaf.path == "城乡建设/安全生产/安全隐患"


def test_board_messages_open_when_posted_and_are_answered_when_replied(
        po: ModuleType) -> None:
    """Each compact row opens a board_message; its reply moves it to replied, in time order."""
    path = need(ZHENGWU / "zhengwu_replied_cases_compact.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    harness = PluginHarness(po.PublicOpinion(data_dir=DATA), workflows=ROOT / "workflows.yaml",
                            grid=district(0))
    report = harness.run("zhengwu_board", batch=1000)
    replied = sum(1 for r in rows if r["replied_at"])
    assert (report.opened, report.triggered, report.dead) == (len(rows), replied, 0)
    states = Counter(c.state for c in harness.cases())
    assert states == {"replied": replied, "posted": len(rows) - replied}
    case = harness.cases()[0]
    assert case.category.count("/") == 2 and case.data["l1"] == case.category.split("/")[0]
    assert case.cell in set(district(0).cells())
    history = [e.trigger for e in harness.engine.history(case.id)]
    assert history[:2] == ["open", "reply"]


def test_hotline_sample_is_classified_into_the_intended_first_level(po: ModuleType) -> None:
    """Generated hotline messages open hotline cases in their category (the model trained on
    the real board: 250 of 280 routed right, measured), complaints merge, and the messages
    it is unsure of wait for a person in ``message_triage``."""
    need(ZHENGWU / "zhengwu_category_taxonomy.csv")
    plugin = po.PublicOpinion(data_dir=DATA, sample_size=300)
    harness = PluginHarness(plugin, workflows=ROOT / "workflows.yaml", grid=district(0))
    report = harness.run("hotline_feed")
    assert report.opened + report.merged == 300 and report.dead == 0
    messages = po.sample.hotline_messages(plugin.cells, 300, seed=0, start=plugin.start)
    intended = {m["id"]: m["expected_l1"] for m in messages}
    cases = harness.cases()
    routed = [c for c in cases if c.workflow == "hotline"]
    waiting = [c for c in cases if c.workflow == "message_triage"]
    assert len(routed) + len(waiting) == len(cases) and waiting
    right = sum(c.category.split("/")[0] == intended[c.data["ref"]] for c in routed)
    assert right / len(routed) > 0.85
    assert all(c.data["confidence"] >= plugin.threshold for c in routed)
    assert all(c.data["confidence"] < plugin.threshold and c.data["target"] == "hotline"
               and c.category.startswith("unsure:") for c in waiting)


def test_the_plugins_action_and_guard_function(po: ModuleType) -> None:
    """route_by_category hands 政法 cases to the street; in_category tests a first level."""
    assert po.in_category("政法/社会治安/治安", "政法")
    assert not po.in_category("政法类/x/y", "政法")
    harness = PluginHarness(po.PublicOpinion(data_dir=DATA), workflows=ROOT / "workflows.yaml")
    assert harness.host.registry.owners[("action", "route_by_category")] == "public_opinion"
    assert harness.host.functions["in_category"]("环境保护/环境污染/噪音", "环境保护")

    class Ctx:
        class case:  # a stand-in with the attributes the action reads
            category = "政法/社会治安/治安"
            cell = "410102003002001"
            owner = "410102003002001"

    po.route_by_category(Ctx)
    assert Ctx.case.owner == "410102003"
    operator = Actor.of("op", "hotline_operator")
    case = harness.engine.open_case("board_message", cell="410102003002001", actor=operator)
    assert case.state == "posted"


@pytest.mark.parametrize(("given", "offset_hours"), [
    ("2024-03-01T09:30:00", 8),          # naive: board local time (Shanghai)
    ("2024-03-01T09:30:00-05:00", -5),   # a negative offset is kept
    ("2024-03-01T09:30:00+02:00", 2),
    ("2024-03-01T09:30:00Z", 0),
])
def test_board_times_are_local_only_when_naive(po: ModuleType, given: str,
                                               offset_hours: int) -> None:
    """Shanghai time is set only on a naive time; an explicit offset (even negative) stays."""
    from datetime import timedelta

    event = po.models.BoardEvent(message_id="m1", event="posted", at=given, subject="s")
    assert event.at.utcoffset() == timedelta(hours=offset_hours)
    assert event.at.hour == 9


def test_trained_model_is_sure_of_a_clear_message_and_names_a_leaf(po: ModuleType) -> None:
    """The model trained from the labelled sample answers a leaf of the tree with a confidence."""
    need(ZHENGWU / "zhengwu_messages_labeled_sample.csv")
    model = po.model.train_from(DATA)
    assert model is not None and model.trained_on == 495
    guess = model.predict("小学入学学位咨询", "孩子明年上小学，学区学校怎么报名，招生政策是什么")
    taxonomy = set(po.classify.load_taxonomy(ZHENGWU / "zhengwu_category_taxonomy.csv"))
    assert guess.category.l1 == "教育文体" and guess.category in taxonomy
    assert 0.4 <= guess.confidence <= 1.0


def test_training_refuses_a_sample_too_small(po: ModuleType) -> None:
    """Fewer than 20 labelled messages: a DataError that says what to give."""
    from govflow.errors import DataError

    rows = [po.model.Labelled("s", "t", "城乡建设")] * 5
    with pytest.raises(DataError, match="at least 20 messages"):
        po.model.TrainedClassifier([], rows)


def test_an_unsure_message_is_classified_by_a_person_and_moves_on(po: ModuleType) -> None:
    """Below the threshold a message waits in message_triage; the operator's category moves
    the same case into board_message (history kept); a wrong path is refused first."""
    from govflow.errors import DataError

    need(ZHENGWU / "zhengwu_messages_labeled_sample.csv")
    plugin = po.PublicOpinion(data_dir=DATA, threshold=0.99)  # everything is unsure
    harness = PluginHarness(plugin, workflows=ROOT / "workflows.yaml", grid=district(0))
    report = harness.run("zhengwu_labeled")
    assert report.dead == 0
    cases = harness.cases()
    assert cases and {c.workflow for c in cases} == {"message_triage"}
    case = cases[0]
    operator = Actor.of("op", "hotline_operator")
    taxonomy = po.classify.load_taxonomy(ZHENGWU / "zhengwu_category_taxonomy.csv")
    with pytest.raises(DataError, match="not a leaf"):
        po.triage.confirm_category(harness.engine, case.id, "城乡建设/没有/这个",
                                   actor=operator, taxonomy=taxonomy)
    leaf = taxonomy[0].path
    moved = po.triage.confirm_category(harness.engine, case.id, leaf, actor=operator,
                                       taxonomy=taxonomy)
    assert (moved.id, moved.workflow, moved.state, moved.category) == (
        case.id, "board_message", "posted", leaf)
    assert moved.due_at is not None and moved.data["classified_by"] == "op"
    assert [e.trigger for e in harness.engine.history(case.id)] == ["open", "move"]
    assert harness.engine.fire(case.id, "reply", actor=Actor.of("h", "handler")).state == \
        "replied"
