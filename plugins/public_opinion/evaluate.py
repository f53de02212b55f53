"""Stratified cross-validation of the trained classifier beside the keyword one.

Only level 1 can be scored: the labelled sample carries the official first level and nothing
below it. For levels 2 and 3 what *can* be measured is reported instead: that every answer is
a leaf of the official tree under the answered level 1, and how often the two classifiers
agree on the leaf when they agree on level 1 (agreement, not accuracy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .classify import Category, Classifier
from .model import CONFIDENCE_THRESHOLD, Labelled, LeafMatcher, document, level1_pipeline


@dataclass(frozen=True, slots=True)
class Report:
    """The figures of one cross-validated run (fractions of the labelled messages)."""

    messages: int
    folds: int
    seeds: tuple[int, ...]
    l1_model: float              # mean over seeds of level-1 accuracy, trained model
    l1_model_by_seed: tuple[float, ...]
    l1_keywords: float           # level-1 accuracy of the keyword classifier (no training)
    auto_share: float            # messages at or above the confidence threshold
    auto_accuracy: float         # level-1 accuracy of those
    leaf_valid: float            # answers that are a leaf of the tree under their level 1
    leaf_agreement: float        # same leaf as the keywords' where both agree on level 1
    l2_l3_labelled: int          # labels below level 1 in the sample (0: not measurable)


def cross_validate(labelled: Sequence[Labelled], taxonomy: Sequence[Category], *,
                   folds: int = 5, seeds: Sequence[int] = (0,),
                   threshold: float = CONFIDENCE_THRESHOLD) -> Report:
    """Stratified ``folds``-fold CV per seed; the keyword classifier scored on the same rows."""
    from sklearn.model_selection import StratifiedKFold

    docs = [document(r.subject, r.text) for r in labelled]
    y = np.asarray([r.l1 for r in labelled])
    keywords = Classifier(taxonomy)
    kw_leaf = [keywords.classify(r.subject, r.text) for r in labelled]
    kw_l1 = np.asarray([c.l1 for c in kw_leaf])
    matcher = LeafMatcher(taxonomy)
    tree = set(taxonomy)
    by_seed: list[float] = []
    auto_n = auto_right = valid = agree = both = 0
    for seed in seeds:
        split = StratifiedKFold(folds, shuffle=True, random_state=seed)
        predicted = np.empty(len(y), dtype=object)
        confidence = np.zeros(len(y))
        for train, test in split.split(docs, y):
            model = level1_pipeline().fit([docs[i] for i in train], y[train])
            proba = model.predict_proba([docs[i] for i in test])
            predicted[test] = model.classes_[proba.argmax(axis=1)]
            confidence[test] = proba.max(axis=1)
        right = predicted == y
        by_seed.append(float(right.mean()))
        sure = confidence >= threshold
        auto_n += int(sure.sum())
        auto_right += int((right & sure).sum())
        for i, row in enumerate(labelled):
            leaf, _ = matcher.best(str(predicted[i]), row.subject, row.text)
            valid += leaf in tree
            if predicted[i] == kw_l1[i]:
                both += 1
                agree += leaf == kw_leaf[i]
    runs = len(seeds) * len(y)
    return Report(
        messages=len(y), folds=folds, seeds=tuple(seeds),
        l1_model=float(np.mean(by_seed)), l1_model_by_seed=tuple(by_seed),
        l1_keywords=float((kw_l1 == y).mean()), auto_share=auto_n / runs,
        auto_accuracy=auto_right / max(auto_n, 1), leaf_valid=valid / runs,
        leaf_agreement=agree / max(both, 1), l2_l3_labelled=0,
    )
