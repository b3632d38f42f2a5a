"""The least-cost choice of whole moves under linear limits: a small 0/1 program that HiGHS solves, for the
decisions one greedy step at a time cannot take (`IngressPlanning._joint_relief`).

Deterministic by construction, as the planner must be: one thread, no time limit (a time limit would make
the answer depend on the machine's speed), a node limit instead, and columns and rows in the order the
caller gives them (sorted by the caller, never by input order)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence

#: branch-and-bound nodes HiGHS may explore before it returns its best whole answer (or none)
NODE_LIMIT = 2_000
#: costs are passed to HiGHS in this unit (Gbit/s); each row is divided by its largest coefficient, so rows
#: of bits per second (1..1e13) and rows that count (1) reach it alike
UNIT = 1e9
#: HiGHS's feasibility tolerance on those scaled rows: 1e-9 of a row's largest effect, under the planner's
#: own rounding allowance (trafficshift.tolerance); every answer is checked again by the caller
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Move:
    """One whole move the program may choose: its cost and its effect on each limited row."""

    cost: float
    effects: tuple[tuple[Hashable, float], ...]


def least_cost(moves: Sequence[Move], limits: dict[Hashable, float], exclusive: Sequence[Sequence[int]]) -> list[int] | None:
    """The indices of the moves to make, at least total cost, such that each row's summed effect stays at or
    under its limit and at most one move of each `exclusive` group is made; None when no such choice was
    found within `NODE_LIMIT` nodes (none exists, or none was found in time)."""
    import highspy
    import numpy as np

    rows = {row: k for k, row in enumerate(limits)}
    scale = [1.0] * len(rows)
    for move in moves:
        for row, effect in move.effects:
            if row in rows:
                scale[rows[row]] = max(scale[rows[row]], abs(effect))
    columns: list[list[tuple[int, float]]] = []
    for move in moves:
        columns.append(sorted((rows[row], effect / scale[rows[row]]) for row, effect in move.effects if row in rows))
    row_upper = [limits[row] / scale[k] for row, k in rows.items()]
    for group in exclusive:
        for index in group:
            columns[index].append((len(row_upper), 1.0))
        row_upper.append(1.0)

    start, index, value = [0], [], []
    for column in columns:
        for row, coefficient in column:
            index.append(row)
            value.append(coefficient)
        start.append(len(index))
    program = highspy.HighsLp()
    program.num_col_, program.num_row_ = len(moves), len(row_upper)
    program.col_cost_ = np.array([move.cost / UNIT for move in moves], dtype=float)
    program.col_lower_ = np.zeros(len(moves))
    program.col_upper_ = np.ones(len(moves))
    program.row_lower_ = np.full(len(row_upper), -highspy.kHighsInf)
    program.row_upper_ = np.array(row_upper, dtype=float)
    program.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    program.a_matrix_.start_ = np.array(start, dtype=np.int32)
    program.a_matrix_.index_ = np.array(index, dtype=np.int32)
    program.a_matrix_.value_ = np.array(value, dtype=float)
    program.integrality_ = [highspy.HighsVarType.kInteger] * len(moves)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", 1)
    solver.setOptionValue("random_seed", 0)
    solver.setOptionValue("mip_max_nodes", NODE_LIMIT)
    solver.setOptionValue("mip_rel_gap", 1e-4)
    solver.setOptionValue("primal_feasibility_tolerance", TOLERANCE)
    solver.setOptionValue("mip_feasibility_tolerance", TOLERANCE)
    solver.passModel(program)
    solver.run()
    if solver.getInfo().primal_solution_status != 2:  # no feasible whole answer
        return None
    return [k for k, chosen in enumerate(solver.getSolution().col_value) if chosen > 0.5]
