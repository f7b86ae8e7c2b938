"""Defects in a campaign bundle (评议数据包), reported all at once.

A defect names the file, the line and the column, so that a person fixing a
spreadsheet exported by a government office can go straight to the cell.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Defect:
    """One problem in the input.

    Attributes
    ----------
    file : str
        File name inside the bundle (``survey_answers.csv``).
    line : int or None
        1-based line in the file (the header is line 1); None for a whole-file problem.
    column : str or None
        Column (CSV) or key (TOML) at fault; None when the whole row or file is.
    message : str
        What is wrong, in plain words.
    """

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class BundleError(Exception):
    """The bundle cannot be scored; ``defects`` lists every problem found."""

    def __init__(self, defects: list[Defect]) -> None:
        self.defects = list(defects)
        super().__init__(f"{len(self.defects)} defect(s) in the bundle")

    def render(self, max_per_problem: int = 20) -> str:
        """Human-readable report; long runs of the same problem are summarised.

        ``max_per_problem`` bounds how many lines are printed for one (file, column,
        message kind); 0 prints every one.
        """
        lines: list[str] = []
        seen: dict[tuple[str, str | None, str], int] = {}
        hidden: dict[tuple[str, str | None, str], int] = {}
        for d in self.defects:
            kind = (d.file, d.column, _message_kind(d.message))
            seen[kind] = seen.get(kind, 0) + 1
            if max_per_problem and seen[kind] > max_per_problem:
                hidden[kind] = hidden.get(kind, 0) + 1
                continue
            lines.append(str(d))
        for (file, column, kind), n in hidden.items():
            col = f", column {column}" if column else ""
            lines.append(f"{file}{col}: ... and {n} more like '{kind}'")
        return "\n".join(lines)


def _message_kind(message: str) -> str:
    # Messages quote the offending value first ("x" is not ...); the text after the
    # first quoted value groups defects of one kind.
    if message.count('"') >= 2:
        head, _, rest = message.partition('"')
        _, _, tail = rest.partition('"')
        return (head + "…" + tail).strip()
    return message
