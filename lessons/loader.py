"""Read, check and render lesson files; every problem is reported as ``path:line: problem``."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import nh3
import yaml

from lessons.pace import lesson_minutes
from lessons.schema import LANGUAGES, SUPPORT_LANGUAGES, check_examples_in_body, check_front_matter

CONTENT_DIR = Path(__file__).resolve().parent / "content"
TRANSLATION_PREFIXES = ("uk: ", "ru: ", "en: ")
ALLOWED_TAGS = {"p", "strong", "em", "br", "ul", "ol", "li", "code"}
# Documents shown in a lesson (a timetable, a form, a job advertisement) are Markdown tables
# and ###/#### headings: the page's own h1 and h2 stay above them.
DOCUMENT_TAGS = {"h3", "h4", "table", "thead", "tbody", "tr", "th", "td"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Block:
    """A Norwegian paragraph of the body and its translations."""

    line: int
    nb: str
    translations: dict[str, str] = field(default_factory=dict)


@dataclass
class LessonFile:
    """A parsed lesson file: front matter, body blocks and the problems found."""

    path: str
    data: dict[str, Any]
    blocks: list[Block]
    digest: str
    problems: list[Problem]


class LessonYamlLoader(yaml.SafeLoader):
    """YAML without the "Norway problem": only true and false are booleans, never no/yes/on/off."""


LessonYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
LessonYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def render_markdown(text: str) -> str:
    """Markdown to sanitized HTML (no raw HTML, no links, no images; tables and ###/####
    headings for documents)."""
    html = markdown.markdown(text, extensions=["tables"], output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS | DOCUMENT_TAGS, attributes={})
    # A wide table scrolls inside its own box on a narrow screen instead of widening the page.
    return clean.replace("<table>", '<div class="table-wrap"><table>').replace(
        "</table>", "</table></div>"
    )


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out.setdefault(path, node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*path, key.value)] = key.start_mark.line
            _line_index(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*path, index)] = item.start_mark.line
            _line_index(item, (*path, index), out)


def _split(text: str) -> tuple[str, str, int] | None:
    """Front matter text, body text and the body's first line number (1-based)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def parse_body(body: str, first_line: int, report: Any) -> list[Block]:
    """Split the body into Norwegian blocks with their translations."""
    blocks: list[Block] = []
    current: Block | None = None
    nb_lines: list[str] = []

    def finish() -> None:
        nonlocal current, nb_lines
        if current is not None:
            current.nb = "\n".join(nb_lines).strip()
            if not current.nb:
                report(current.line, "a translation without a Norwegian paragraph before it")
            for lang in SUPPORT_LANGUAGES:
                if lang not in current.translations:
                    report(current.line, f"paragraph has no {lang}: translation")
            found = [lang for lang in SUPPORT_LANGUAGES if lang in current.translations]
            if list(current.translations) != found:
                report(current.line, "translations go in the order uk:, ru:, en:")
            blocks.append(current)
        current, nb_lines = None, []

    for offset, raw in enumerate(body.split("\n")):
        line_no = first_line + offset
        line = raw.rstrip()
        if not line.strip():
            finish()
            continue
        if current is None:
            current = Block(line=line_no, nb="")
        prefix = next((p for p in TRANSLATION_PREFIXES if line.startswith(p)), None)
        if prefix:
            lang = prefix[:2]
            if lang in current.translations:
                report(line_no, f"second {lang}: line in one paragraph")
            current.translations[lang] = line[len(prefix) :].strip()
        elif current.translations:
            report(line_no, "Norwegian text after the translations; leave a blank line first")
        else:
            nb_lines.append(line)
    finish()
    if not blocks:
        report(first_line, "the body has no Norwegian text")
    return blocks


def parse_file(path: Path, root: Path | None = None) -> LessonFile:
    """Parse and check one file on its own (cross-file rules are in ``check_all``)."""
    shown = str(path)
    if root is not None and path.is_relative_to(root):
        shown = str(path.relative_to(root))
    problems: list[Problem] = []
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return LessonFile(shown, {}, [], digest, [Problem(shown, 1, f"not UTF-8 ({error.reason})")])
    parts = _split(text)
    if parts is None:
        problems.append(Problem(shown, 1, "missing YAML front matter between --- lines"))
        return LessonFile(shown, {}, [], digest, problems)
    front, body, body_line = parts
    try:
        node = yaml.compose(front, Loader=LessonYamlLoader)
        data = yaml.load(front, Loader=LessonYamlLoader) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 2) if mark else 1
        problem = getattr(error, "problem", None) or str(error).split("\n")[0]
        problems.append(Problem(shown, line, f"YAML: {problem}"))
        return LessonFile(shown, {}, [], digest, problems)
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _line_index(node, (), lines)

    def report_at(key_path: tuple[Any, ...], message: str) -> None:
        probe = key_path
        while probe and probe not in lines:
            probe = probe[:-1]
        problems.append(Problem(shown, lines.get(probe, 0) + 2, message))

    check_front_matter(data, report_at)
    blocks = parse_body(
        body, body_line, lambda line, msg: problems.append(Problem(shown, line, msg))
    )
    check_examples_in_body(data, [block.nb for block in blocks], report_at)
    return LessonFile(shown, data if isinstance(data, dict) else {}, blocks, digest, problems)


def lesson_files(root: Path = CONTENT_DIR) -> list[Path]:
    """Every lesson file under ``root``, in a stable order."""
    return sorted(root.rglob("*.md"))


def check_all(
    paths: Iterable[Path], root: Path | None = None
) -> tuple[list[LessonFile], list[Problem]]:
    """Parse every file and add the rules that span files (unique ids, order, folder)."""
    parsed = [parse_file(path, root) for path in paths]
    problems = [problem for lesson in parsed for problem in lesson.problems]
    ids: dict[str, str] = {}
    orders: dict[tuple[str, int], str] = {}
    for lesson, path in zip(parsed, paths, strict=True):
        data = lesson.data
        lesson_id, track, order = data.get("id"), data.get("track"), data.get("order")
        if isinstance(lesson_id, str):
            if lesson_id in ids:
                problems.append(
                    Problem(lesson.path, 2, f"id {lesson_id!r} is also used by {ids[lesson_id]}")
                )
            ids.setdefault(lesson_id, lesson.path)
        if isinstance(track, str) and isinstance(order, int):
            if (track, order) in orders:
                problems.append(
                    Problem(
                        lesson.path,
                        2,
                        f"order {order} in {track} is also used by {orders[(track, order)]}",
                    )
                )
            orders.setdefault((track, order), lesson.path)
        if isinstance(track, str) and path.parent.name != track:
            problems.append(
                Problem(lesson.path, 2, f"file is in folder {path.parent.name!r}, not {track!r}")
            )
    return parsed, problems


def minutes(lesson: LessonFile) -> int:
    """The lesson's study time, computed from its size at the pace stated in FORMAT.md."""
    return lesson_minutes(lesson.data, [block.nb for block in lesson.blocks])


def _grammar(grammar: Any) -> Any:
    """The grammar note with its explanations rendered to sanitized HTML (they may use **bold**)."""
    if not isinstance(grammar, dict) or not isinstance(grammar.get("explanation"), dict):
        return grammar
    explanation = {
        lang: render_markdown(str(text)) for lang, text in grammar["explanation"].items()
    }
    return {**grammar, "explanation": explanation}


def rendered(lesson: LessonFile) -> dict[str, Any]:
    """The lesson as stored: front matter plus the body rendered to sanitized HTML, the grammar
    explanations too, and the computed minutes."""
    return {
        **lesson.data,
        "minutes": minutes(lesson),
        "grammar": _grammar(lesson.data.get("grammar")),
        "blocks": [
            {
                "nb": render_markdown(block.nb),
                **{lang: render_markdown(text) for lang, text in block.translations.items()},
            }
            for block in lesson.blocks
        ],
    }


def content_json(lesson: LessonFile) -> str:
    """A stable JSON text of the rendered lesson (stored once per version)."""
    return json.dumps(rendered(lesson), ensure_ascii=False, sort_keys=True)


__all__ = [
    "LANGUAGES",
    "Problem",
    "LessonFile",
    "check_all",
    "lesson_files",
    "minutes",
    "parse_file",
]
