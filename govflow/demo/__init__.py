"""``govflow demo``: thirty simulated days of the Zhongyuan-shaped district, end to end.

:mod:`~govflow.demo.world` builds the district, its people and the engine;
:mod:`~govflow.demo.records` makes each day's records from the plugins' sample generators;
:mod:`~govflow.demo.workforce` acts on open cases with seeded delays;
:mod:`~govflow.demo.mobilise` runs the day-10 campaign and the volunteer matching;
:mod:`~govflow.demo.run` is the day loop and :mod:`~govflow.demo.summary` the ending.
Nothing is imported or built until ``run.main`` is called.
"""

from __future__ import annotations
