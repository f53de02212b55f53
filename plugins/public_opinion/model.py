"""A trained classifier of citizen messages into the official three-level category tree.

Level 1: a linear support-vector machine over character 1–3-grams (TF-IDF, sublinear), the
subject counted twice and the first :data:`DETAIL_CHARS` characters of the text, classes
weighted by their inverse frequency; its scores are calibrated to probabilities
(Platt scaling over 3 inner folds), so each answer carries a **confidence**. Below
:data:`CONFIDENCE_THRESHOLD` a message goes to a person (``message_triage``), as an unsure AI-
vision detection does.

Levels 2 and 3: the labelled sample has only level-1 labels, so they are not learnt: within
the chosen level 1, the leaf whose ``l2 l3`` names are nearest to the message (cosine of
character 1–2-gram TF-IDF vectors) is taken, and ``leaf_score`` is that cosine.

The model is trained when first needed from the labelled sample at a path the operator gives
(``GOVFLOW_DATA_DIR`` or the plugin's ``data_dir``): 495 messages train in about a second, so
no model file is shipped (nothing derived from the data set lives in the project). scikit-learn
is imported only here, when a model is trained.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .classify import Category

#: the text a message contributes after its (doubled) subject; longer texts dilute the subject
DETAIL_CHARS = 300
#: at or above this level-1 confidence a message is routed automatically; below, a person
#: classifies it (on the labelled sample about 85 % of messages clear it, 87 % of those right)
CONFIDENCE_THRESHOLD = 0.4


@dataclass(frozen=True, slots=True)
class Labelled:
    """One message of the labelled sample."""

    subject: str
    text: str
    l1: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """A leaf of the tree, the level-1 confidence (0..1) and the leaf's name similarity."""

    category: Category
    confidence: float
    leaf_score: float

    def confident(self, threshold: float = CONFIDENCE_THRESHOLD) -> bool:
        return self.confidence >= threshold


def load_labelled(path: Path) -> list[Labelled]:
    """The rows of ``zhengwu_messages_labeled_sample.csv`` (subject, detail, category_l1)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Labelled(r["subject"], r.get("detail") or "", r["category_l1"])
                for r in csv.DictReader(handle) if r.get("category_l1")]


def document(subject: str, text: str) -> str:
    """What the level-1 model reads of a message."""
    return f"{subject} {subject} {text[:DETAIL_CHARS]}"


def level1_pipeline(*, calibrated: bool = True) -> Any:
    """The untrained level-1 model (a scikit-learn pipeline)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=1.0, class_weight="balanced")
    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2),
        CalibratedClassifierCV(svm, cv=3) if calibrated else svm,
    )


class LeafMatcher:
    """Levels 2–3 within a level 1: the leaf whose names are nearest to the message."""

    def __init__(self, taxonomy: Sequence[Category]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.leaves = list(taxonomy)
        names = [f"{c.l2} {c.l3} {c.l3}" for c in self.leaves]
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2),
                                          sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(names) if names else None
        self.by_l1: dict[str, list[int]] = {}
        for i, leaf in enumerate(self.leaves):
            self.by_l1.setdefault(leaf.l1, []).append(i)

    def best(self, l1: str, subject: str, text: str) -> tuple[Category, float]:
        rows = self.by_l1.get(l1)
        if not rows or self.matrix is None:
            return Category(l1, "其他", "其他"), 0.0
        query = self.vectorizer.transform([f"{subject} {subject} {text[:DETAIL_CHARS]}"])
        scores = (self.matrix[rows] @ query.T).toarray().ravel()
        k = int(scores.argmax())
        if scores[k] <= 0:
            return Category(l1, "其他", "其他"), 0.0
        return self.leaves[rows[k]], float(scores[k])


class TrainedClassifier:
    """Level 1 learnt from labelled messages, levels 2–3 matched on the tree's names."""

    def __init__(self, taxonomy: Sequence[Category], labelled: Sequence[Labelled]) -> None:
        from govflow.errors import DataError

        classes = {row.l1 for row in labelled}
        if len(labelled) < 20 or len(classes) < 2:
            raise DataError(
                f"the labelled sample has {len(labelled)} messages in {len(classes)} "
                "categories: give at least 20 messages in 2 or more first-level categories "
                "(zhengwu_messages_labeled_sample.csv) to train the classifier")
        self.model = level1_pipeline()
        self.model.fit([document(r.subject, r.text) for r in labelled],
                       [r.l1 for r in labelled])
        self.classes: tuple[str, ...] = tuple(str(c) for c in self.model.classes_)
        self.leaves = LeafMatcher(taxonomy)
        self.trained_on = len(labelled)

    def first_level(self, subject: str, text: str = "") -> str:
        return self.predict(subject, text).category.l1

    def predict(self, subject: str, text: str = "") -> Prediction:
        proba = self.model.predict_proba([document(subject, text)])[0]
        k = int(proba.argmax())
        leaf, score = self.leaves.best(self.classes[k], subject, text)
        return Prediction(leaf, float(proba[k]), score)

    def classify(self, subject: str, text: str = "") -> Category:
        return self.predict(subject, text).category


def train_from(data_dir: Path) -> TrainedClassifier | None:
    """A model trained on ``data_dir/zhengwu``'s labelled sample, or None when it is absent."""
    zhengwu = data_dir / "zhengwu"
    labelled = zhengwu / "zhengwu_messages_labeled_sample.csv"
    taxonomy = zhengwu / "zhengwu_category_taxonomy.csv"
    if not labelled.is_file():
        return None
    from .classify import load_taxonomy

    tree = load_taxonomy(taxonomy) if taxonomy.is_file() else []
    return TrainedClassifier(tree, load_labelled(labelled))
