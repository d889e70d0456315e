"""Results folders and reports: ``results/<analysis>/<timestamp>/`` with report.md and report.html.

The HTML is rendered by :func:`markdown_to_html`, a small converter for the
subset of Markdown the reports use (headings, paragraphs, lists, tables,
fenced code, images, links, inline code, bold, emphasis), so no extra
dependency. Reports are built from received files (a colleague's sweep
folder), so every piece of text is escaped, links and images keep only safe
targets (relative paths, http(s), mailto; images also embedded PNG data), and
``report.html`` embeds its figures so that it can be sent alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import shlex
import sys
from pathlib import Path

import pandas as pd

from .sweeps import CONF, ROOT, SweepCommand
from .tables import to_markdown

RESULTS = ROOT / "results"


MIN_SEEDS = 10  # below this many seeds a report says its intervals are not yet to be quoted


def few_seeds_warning(seeds: int, more: str = "") -> list[str]:
    """Report lines (a paragraph and a blank line) warning that ``seeds`` seeds are too few, or none
    from :data:`MIN_SEEDS` up; ``more`` says how to get more (e.g. `` (`--full` runs 30)``)."""
    if seeds >= MIN_SEEDS:
        return []
    return [f"**Warning: only {seeds} seeds.** The intervals are wide and rest on the mean being near normal; "
            f"use {MIN_SEEDS} or more{more} before quoting a difference.", ""]


def new_results_dir(analysis: str, root: Path = RESULTS, now: dt.datetime | None = None) -> Path:
    """A fresh ``root/<analysis>/<UTC timestamp>/`` (suffixed if it already exists)."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H-%M-%SZ")
    base = Path(root) / analysis / stamp
    path, k = base, 1
    while path.exists():
        path = base.with_name(f"{stamp}-{k}")
        k += 1
    path.mkdir(parents=True)
    return path


def invocation(script: str | Path, argv: list[str] | None = None) -> str:
    """The command line that reproduces this analysis: ``python <script> <argv>`` (argv: this process's by default)."""
    script = Path(script)
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    return shlex.join(["python", str(script), *(sys.argv[1:] if argv is None else argv)])


def reproduce_section(script: str | Path, argv: list[str], command: SweepCommand | None, sweep_dir: Path,
                      versions: list[str]) -> list[str]:
    """The report's "Reproduce" section: the analysis command, the sweep it ran, its config, the code versions."""
    lines = ["## Reproduce", "", "```", invocation(script, argv), "```", ""]
    if command is not None:
        lines += ["which ran the sweep and collected it:", "", "```", command.shell(),
                  f"python -m sim.sweeps.collect {display_path(command.sweep_dir)}", "```", ""]
        sweep_file = CONF / "sweep" / f"{command.sweep}.yaml"
        if sweep_file.is_file():
            lines += [f"Sweep config `conf/sweep/{command.sweep}.yaml`:", "", "```",
                      sweep_file.read_text(encoding="utf-8").rstrip(), "```", ""]
    lines += [f"Runs (each with its full `config.json`): `{display_path(sweep_dir)}/runs/`; code: "
              f"{', '.join(f'`{v}`' for v in versions) or 'unknown'}."]
    if len(versions) > 1:
        lines += ["", "**Warning:** the runs come from more than one code version; re-run into a fresh sweep folder "
                      "for a single-version result."]
    return lines


def display_path(path: Path | str) -> str:
    """``path`` as a reader elsewhere can use it: relative to the repository when inside it,
    else as given when relative, else only its last two parts (no local absolute path in a report)."""
    path = Path(path)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(*path.parts[-2:]).as_posix()


def write_table(out_dir: Path, name: str, numbers: pd.DataFrame, display: pd.DataFrame | None = None) -> str:
    """Write ``name.csv`` (the numbers) and ``name.md`` (the display table); return the Markdown."""
    numbers.to_csv(out_dir / f"{name}.csv", index=False)
    md = to_markdown(display if display is not None else numbers)
    (out_dir / f"{name}.md").write_text(md + "\n", encoding="utf-8")
    return md


def write_report(out_dir: Path, markdown: str, title: str) -> Path:
    """Write ``report.md`` and ``report.html``; return the Markdown path."""
    md_path = out_dir / "report.md"
    md_path.write_text(markdown, encoding="utf-8")
    (out_dir / "report.html").write_text(markdown_to_html(markdown, title, images=out_dir), encoding="utf-8")
    return md_path


# --------------------------------------------------------------------------- Markdown -> HTML

_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")
_EMPHASIS = re.compile(r"(?<![*\w])\*([^*\s][^*]*?)\*(?![*\w])")
_SAFE_LINK = re.compile(r"^(https?://|mailto:|#|[\w./-]+$)", re.IGNORECASE)
_SAFE_IMAGE = re.compile(r"^([\w./-]+\.png|data:image/png;base64,[A-Za-z0-9+/=]+)$")


def _inline(text: str, images: Path | None = None) -> str:
    """One line of Markdown as HTML: every character escaped, then the few constructs rendered."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if len(part) >= 2 and part.startswith("`") and part.endswith("`"):
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        s = html.escape(part, quote=True)
        s = _IMAGE.sub(lambda m: _image(html.unescape(m.group(1)), html.unescape(m.group(2)), images), s)
        s = _LINK.sub(lambda m: _link(m.group(1), html.unescape(m.group(2))), s)
        s = _STRONG.sub(r"<strong>\1</strong>", s)
        s = _EMPHASIS.sub(r"<em>\1</em>", s)
        out.append(s)
    return "".join(out)


def _link(label: str, target: str) -> str:
    """A link to a safe target; anything else (``javascript:``, ``data:``) stays plain text."""
    if not _SAFE_LINK.match(target) or ".." in target.split("/"):
        return f"{label} ({html.escape(target)})"
    return f'<a href="{html.escape(target, quote=True)}">{label}</a>'


def _image(alt: str, src: str, images: Path | None) -> str:
    """An image: a PNG beside the report is embedded (the page travels alone); unsafe sources are dropped."""
    if not _SAFE_IMAGE.match(src) or ".." in src.split("/"):
        return html.escape(f"[image: {alt}]")
    if images is not None and not src.startswith("data:") and (images / src).is_file():
        src = "data:image/png;base64," + base64.b64encode((images / src).read_bytes()).decode("ascii")
    return f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}" style="max-width:100%">'


def _table(lines: list[str]) -> str:
    def cells(line: str) -> list[str]:
        body = line.strip().strip("|")
        return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]

    head = cells(lines[0])
    rows = [cells(x) for x in lines[2:]]
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead>", "<tbody>"]
    out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows]
    return "\n".join(out + ["</tbody></table>"])


def markdown_to_html(markdown: str, title: str = "report", images: Path | None = None) -> str:
    """Render the Markdown subset used by the reports as a standalone HTML page.

    ``images``: the folder relative image paths are read from and embedded (None: leave them linked).
    """
    lines = markdown.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre><code>" + html.escape("\n".join(lines[i + 1 : j])) + "</code></pre>")
            i = j + 1
        elif m := re.match(r"(#{1,6})\s+(.*)", line):
            n = len(m.group(1))
            out.append(f"<h{n}>{_inline(m.group(2), images)}</h{n}>")
            i += 1
        elif line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-:| ]+\|$", lines[i + 1].strip()):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
        elif re.match(r"\s*[-*]\s+", line) or re.match(r"\s*\d+\.\s+", line):
            ordered = bool(re.match(r"\s*\d+\.", line))
            tag = "ol" if ordered else "ul"
            items = []
            while i < len(lines) and (re.match(r"\s*([-*]|\d+\.)\s+", lines[i]) or (lines[i].startswith("  ") and items)):
                if re.match(r"\s*([-*]|\d+\.)\s+", lines[i]):
                    items.append(re.sub(r"^\s*([-*]|\d+\.)\s+", "", lines[i]))
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(x, images)}</li>" for x in items) + f"</{tag}>")
        elif not line.strip():
            i += 1
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"(#{1,6}\s|```|\||\s*[-*]\s+|\s*\d+\.\s+)", lines[i]):
                para.append(lines[i].strip())
                i += 1
            if not para:  # a line no rule above took: keep it as its own paragraph
                para = [line.strip()]
                i += 1
            out.append(f"<p>{_inline(' '.join(para), images)}</p>")
    style = ("body{font-family:sans-serif;max-width:75em;margin:2em auto;padding:0 1em;line-height:1.45}"
             "table{border-collapse:collapse;font-size:90%;margin:1em 0}th,td{border:1px solid #bbb;padding:3px 6px}"
             "th{background:#eee}code{background:#f3f3f3;padding:0 2px}pre{background:#f3f3f3;padding:8px;overflow-x:auto}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")
