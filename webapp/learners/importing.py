"""Reading a CSV file of learners, as pure rules: encodings, separators, columns, row checks.

The documented columns (a header row is required, in any order, case ignored):

    name, email, birth_date, settlement_date, first_language, education, employment,
    phone (optional), level (optional)

Dates are YYYY-MM-DD or DD.MM.YYYY. ``first_language`` is uk, ru or other; ``education`` is
none, primary, lower_secondary, upper_secondary or higher; ``employment`` is not_working,
part_time, full_time or shift_work; ``level`` is A1, A2, B1, B2 or C1. Files may be UTF-8
(with or without a byte-order mark) or Windows-1252, separated by commas or semicolons.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from webapp.text_rules import has_hidden_characters

REQUIRED = (
    "name",
    "email",
    "birth_date",
    "settlement_date",
    "first_language",
    "education",
    "employment",
)
OPTIONAL = ("phone", "level")
FIRST_LANGUAGES = ("uk", "ru", "other")
EDUCATIONS = ("none", "primary", "lower_secondary", "upper_secondary", "higher")
EMPLOYMENTS = ("not_working", "part_time", "full_time", "shift_work")
LEVELS = ("A1", "A2", "B1", "B2", "C1")
MAX_ROWS = 50_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")


@dataclass(frozen=True)
class Problem:
    """One problem with the file: a line number (1 is the header) and a code for translation."""

    line: int
    code: str
    column: str = ""


@dataclass(frozen=True)
class LearnerRow:
    """A valid row, ready to import."""

    line: int
    name: str
    email: str
    birth_date: date
    settlement_date: date
    first_language: str
    education: str
    employment: str
    phone: str | None
    level: str | None


@dataclass
class ParsedFile:
    """What the file holds: valid rows, problems, and the encoding and separator found."""

    rows: list[LearnerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""
    separator: str = ""
    total_rows: int = 0

    @property
    def bad_lines(self) -> set[int]:
        return {problem.line for problem in self.problems if problem.line > 1}

    @property
    def file_problem(self) -> bool:
        """True when the file as a whole cannot be read (no row can be imported)."""
        return any(problem.line <= 1 for problem in self.problems)


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (a BOM is dropped) when it decodes, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def separator_of(header_line: str) -> str:
    """The separator the header uses: semicolon when it has more of them, else comma."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def parse_date(text: str) -> date | None:
    """A date written YYYY-MM-DD or DD.MM.YYYY, or None."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def count_rows(data: bytes) -> int:
    """How many rows below the header hold anything: a quick look to choose where to import."""
    try:
        text, _encoding = decode(data)
    except UnicodeDecodeError:
        return 0
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter=separator_of(text.split("\n", 1)[0]))
    try:
        next(reader, None)
        return sum(1 for cells in reader if any(cell.strip() for cell in cells))
    except csv.Error:
        return 0  # the reader will say why inside the request


def parse(
    data: bytes,
    today: date,
    progress: Callable[[int], None] | None = None,
    every: int = 1000,
) -> ParsedFile:
    """Read and check every row; a row with any problem is left out of ``rows``.

    ``progress`` is told the number of rows read so far, every ``every`` rows.
    """
    result = ParsedFile()
    try:
        text, result.encoding = decode(data)
    except UnicodeDecodeError:
        result.problems.append(Problem(1, "unreadable"))
        return result
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        result.problems.append(Problem(1, "empty"))
        return result
    result.separator = separator_of(first_line)
    try:
        _read_rows(text, today, result, progress, every)
    except csv.Error:  # a field longer than the csv module takes, for one
        result.rows = []
        result.problems.append(Problem(1, "unreadable"))
        return result
    if result.total_rows == 0 and not result.problems:
        result.problems.append(Problem(1, "no_rows"))
    return result


def _read_rows(
    text: str,
    today: date,
    result: ParsedFile,
    progress: Callable[[int], None] | None,
    every: int,
) -> None:
    """Check the header and each row into ``result``; the csv module may raise csv.Error."""
    reader = csv.reader(io.StringIO(text), delimiter=result.separator)
    header = [column.strip().lower().lstrip("\ufeff") for column in next(reader)]
    missing = [column for column in REQUIRED if column not in header]
    for column in missing:
        result.problems.append(Problem(1, "missing_column", column))
    if missing:
        return
    index = {column: header.index(column) for column in (*REQUIRED, *OPTIONAL) if column in header}
    seen_emails: dict[str, int] = {}
    seen_people: dict[tuple[str, date], int] = {}
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are allowed
        result.total_rows += 1
        if progress is not None and result.total_rows % every == 0:
            progress(result.total_rows)
        if result.total_rows > MAX_ROWS:
            result.problems.append(Problem(line_number, "too_many_rows"))
            break
        row, problems = _check_row(line_number, cells, index, today)
        if row is not None:
            email_key = row.email
            person_key = (row.name.casefold(), row.birth_date)
            if email_key in seen_emails:
                problems.append(Problem(line_number, "duplicate_in_file", "email"))
            elif person_key in seen_people:
                problems.append(Problem(line_number, "duplicate_person_in_file", "name"))
            seen_emails.setdefault(email_key, line_number)
            seen_people.setdefault(person_key, line_number)
        if problems:
            result.problems.extend(problems)
        elif row is not None:
            result.rows.append(row)


def refused(parsed: ParsedFile, only_valid: bool) -> bool:
    """True when nothing may be imported: the file cannot be read, no row is valid, or some
    rows have problems and the coordinator did not choose to import the valid rows anyway."""
    return parsed.file_problem or not parsed.rows or (bool(parsed.problems) and not only_valid)


@dataclass(frozen=True)
class ImportReport:
    """What a check found, as the page reports it: counts, how the file was read, and the
    first problems by line (a file of 50,000 bad rows is summed up, not listed in full)."""

    total_rows: int
    importable: int
    bad_rows: int
    encoding: str
    separator: str
    problems: tuple[Problem, ...]
    problem_count: int

    def to_json(self) -> str:
        """The report as stored in an import job's row."""
        return json.dumps(
            {
                "total_rows": self.total_rows,
                "importable": self.importable,
                "bad_rows": self.bad_rows,
                "encoding": self.encoding,
                "separator": self.separator,
                "problems": [[p.line, p.code, p.column] for p in self.problems],
                "problem_count": self.problem_count,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        """The report stored by :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            total_rows=data["total_rows"],
            importable=data["importable"],
            bad_rows=data["bad_rows"],
            encoding=data["encoding"],
            separator=data["separator"],
            problems=tuple(Problem(line, code, column) for line, code, column in data["problems"]),
            problem_count=data["problem_count"],
        )


def report_of(parsed: ParsedFile, limit: int) -> ImportReport:
    """Sum up a checked file, keeping the first ``limit`` problems."""
    return ImportReport(
        total_rows=parsed.total_rows,
        importable=len(parsed.rows),
        bad_rows=len(parsed.bad_lines),
        encoding=parsed.encoding,
        separator=parsed.separator,
        problems=tuple(parsed.problems[:limit]),
        problem_count=len(parsed.problems),
    )


def _check_row(
    line: int, cells: list[str], index: dict[str, int], today: date
) -> tuple[LearnerRow | None, list[Problem]]:
    def value(column: str) -> str:
        position = index.get(column)
        if position is None or position >= len(cells):
            return ""
        return unicodedata.normalize("NFC", cells[position]).strip()

    problems: list[Problem] = [
        Problem(line, "hidden_characters", column)
        for column in index
        if has_hidden_characters(value(column))
    ]
    if problems:  # a spoofed name or address is refused whatever else the row holds
        return None, problems
    name = value("name")
    if not name:
        problems.append(Problem(line, "required", "name"))
    elif len(name) > 120:
        problems.append(Problem(line, "too_long", "name"))
    email = value("email").lower()
    if not email:
        problems.append(Problem(line, "required", "email"))
    elif len(email) > 254 or not EMAIL.match(email):
        problems.append(Problem(line, "bad_email", "email"))
    birth = parse_date(value("birth_date"))
    if birth is None:
        problems.append(Problem(line, "bad_date", "birth_date"))
    elif not date(1900, 1, 1) <= birth <= today:
        problems.append(Problem(line, "implausible_date", "birth_date"))
    settled = parse_date(value("settlement_date"))
    if settled is None:
        problems.append(Problem(line, "bad_date", "settlement_date"))
    elif settled > today or (birth is not None and settled < birth):
        problems.append(Problem(line, "implausible_date", "settlement_date"))
    choices = {
        "first_language": (value("first_language").lower(), FIRST_LANGUAGES),
        "education": (value("education").lower(), EDUCATIONS),
        "employment": (value("employment").lower(), EMPLOYMENTS),
    }
    for column, (found, allowed) in choices.items():
        if found not in allowed:
            problems.append(Problem(line, "not_allowed", column))
    phone = value("phone") or None
    if phone is not None and not PHONE.match(phone):
        problems.append(Problem(line, "bad_phone", "phone"))
    level = value("level").upper() or None
    if level is not None and level not in LEVELS:
        problems.append(Problem(line, "not_allowed", "level"))
    if problems or birth is None or settled is None:
        return None, problems
    return (
        LearnerRow(
            line=line,
            name=name,
            email=email,
            birth_date=birth,
            settlement_date=settled,
            first_language=choices["first_language"][0],
            education=choices["education"][0],
            employment=choices["employment"][0],
            phone=phone,
            level=level,
        ),
        [],
    )
