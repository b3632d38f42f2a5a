"""The least-cost choice of whole moves under linear limits: a small 0/1 program that HiGHS solves, for the
decisions one greedy step at a time cannot take (`IngressPlanning._joint_relief`).

Deterministic by construction, as the planner must be: one thread, no time limit (a time limit would make
the answer depend on the machine's speed), a node limit instead, and columns and rows in the order the
caller gives them (sorted by the caller, never by input order)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence

#: branch-and-bound nodes HiGHS may explore before it returns its best whole answer (or none)
NODE_LIMIT = 100
#: joint decisions with more candidate moves than this are not attempted (a bound on the program's size,
#: and so on the plan's time); the greedy relief stands
MAX_JOINT_MOVES = 5_000
#: an answer within this share of the best possible is good enough (the bench holds the planner to 5%)
GAP = 0.01
#: how far above the lowest worst share `lowest_worst` may stay to find cheaper moves (0.1 points)
WORST_SLACK = 0.001
#: a least-cost answer replaces the greedy relief's only when it moves this share less (ties and rounding
#: noise keep the greedy plan, whose reasons read one move at a time)
CHEAPER_BY = 0.01
#: a joint relief that cannot bring the hot elements to target is taken only when it lowers the worst of them
#: by more than this share of capacity: the program stops within 1% of its best (`GAP`), and the next cycle
#: must not churn shifts for the rest
PARTIAL_GAIN = 0.02
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


def least_cost(moves: Sequence[Move], limits: dict[Hashable, float], exclusive: Sequence[Sequence[int]],
               known: Sequence[int] | None = None) -> list[int] | None:
    """The indices of the moves to make, at least total cost, such that each row's summed effect stays at or
    under its limit and at most one move of each `exclusive` group is made; None when no such choice was
    found within `NODE_LIMIT` nodes (none exists, or none was found in time). `known`: a feasible choice to
    start from (HiGHS then only searches for cheaper ones, which is much faster)."""
    solution = _solve(moves, limits, exclusive, {}, None, known)
    return None if solution is None else solution[0]


def lowest_worst(moves: Sequence[Move], limits: dict[Hashable, float], exclusive: Sequence[Sequence[int]],
                 shares: dict[Hashable, tuple[float, float]], floor: float) -> tuple[list[int], float] | None:
    """Under the same limits: the moves that bring the largest share (load + summed effect) / capacity over
    the `shares` rows ({row: (capacity, load)}) lowest, not below `floor`, and among those the least costly;
    with that worst share. None when no choice was found."""
    lowest = _solve(moves, limits, exclusive, shares, floor)
    if lowest is None:
        return None
    # the least costly within WORST_SLACK of that worst share, starting from the answer found
    worst = lowest[1] + WORST_SLACK
    bounded = {**limits, **{(row, "share"): worst * capacity - load for row, (capacity, load) in shares.items()}}
    moves = [Move(move.cost, move.effects + tuple(((row, "share"), effect) for row, effect in move.effects
                                                  if row in shares)) for move in moves]
    cheapest = _solve(moves, bounded, exclusive, {}, None, known=lowest[0])
    if cheapest is None:
        return lowest
    achieved = max((load + sum(effect for k in cheapest[0] for row_, effect in moves[k].effects if row_ == row))
                   / capacity for row, (capacity, load) in shares.items())
    return cheapest[0], achieved


def _solve(moves: Sequence[Move], limits: dict[Hashable, float], exclusive: Sequence[Sequence[int]],
           shares: dict[Hashable, tuple[float, float]], floor: float | None,
           known: Sequence[int] | None = None) -> tuple[list[int], float] | None:
    """With `floor` None: least cost. Otherwise one more column, the worst share (at least `floor`), which is
    the only cost, and a row per share: summed effect / capacity - worst <= -load / capacity."""
    import highspy  # here, not at the top: numpy and HiGHS load only when a plan needs them

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
    cost = [0.0 if floor is not None else move.cost / UNIT for move in moves]
    lower, upper = [0.0] * len(moves), [1.0] * len(moves)
    if floor is not None:
        share_rows = {row: len(row_upper) + k for k, row in enumerate(shares)}
        for column, move in zip(columns, moves):
            column += [(share_rows[row], effect / shares[row][0]) for row, effect in move.effects if row in shares]
        row_upper += [-load / capacity for capacity, load in shares.values()]
        columns.append([(share_rows[row], -1.0) for row in shares])
        cost.append(1.0)
        lower.append(floor)
        upper.append(highspy.kHighsInf)

    program = colwise_program(columns, cost, lower, upper, row_upper, integers=len(moves))
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", 1)
    solver.setOptionValue("random_seed", 0)
    solver.setOptionValue("mip_max_nodes", NODE_LIMIT)
    solver.setOptionValue("mip_rel_gap", GAP)
    solver.setOptionValue("primal_feasibility_tolerance", TOLERANCE)
    solver.setOptionValue("mip_feasibility_tolerance", TOLERANCE)
    solver.passModel(program)
    if known is not None:  # a known answer: HiGHS then only looks for better ones
        answer, chosen = highspy.HighsSolution(), set(known)
        answer.col_value = [1.0 if k in chosen else 0.0 for k in range(len(columns))]
        solver.setSolution(answer)
    solver.run()
    if solver.getInfo().primal_solution_status != 2:  # no feasible whole answer
        return None
    values = solver.getSolution().col_value
    chosen = [k for k in range(len(moves)) if values[k] > 0.5]
    return chosen, (float(values[-1]) if floor is not None else 0.0)


def colwise_program(columns: Sequence[Sequence[tuple[int, float]]], cost: Sequence[float], lower: Sequence[float],
                    upper: Sequence[float], row_upper: Sequence[float], integers: int = 0):
    """A HiGHS program from its columns ((row, coefficient) pairs each), rows bounded above only; the first
    `integers` columns integral. Shared with the bench's LP and MIP references (bench/scenarios.py)."""
    import highspy
    import numpy as np

    start, index, value = [0], [], []
    for column in columns:
        for row, coefficient in sorted(column):
            index.append(row)
            value.append(coefficient)
        start.append(len(index))
    program = highspy.HighsLp()
    program.num_col_, program.num_row_ = len(columns), len(row_upper)
    program.col_cost_ = np.array(cost, dtype=float)
    program.col_lower_ = np.array(lower, dtype=float)
    program.col_upper_ = np.array(upper, dtype=float)
    program.row_lower_ = np.full(len(row_upper), -highspy.kHighsInf)
    program.row_upper_ = np.array(row_upper, dtype=float)
    program.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    program.a_matrix_.start_ = np.array(start, dtype=np.int32)
    program.a_matrix_.index_ = np.array(index, dtype=np.int32)
    program.a_matrix_.value_ = np.array(value, dtype=float)
    if integers:
        program.integrality_ = ([highspy.HighsVarType.kInteger] * integers
                                + [highspy.HighsVarType.kContinuous] * (len(columns) - integers))
    return program
