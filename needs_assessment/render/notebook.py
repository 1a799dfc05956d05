"""An executed Jupyter notebook -> a Quarto markdown chapter.

What comes out, cell by cell:

* markdown cells: their text, unchanged (attachments are written to the figures folder);
* raw cells: their text, unchanged (as Quarto does);
* code cells: **never the code**. Whatever `#| echo:` says, echo is treated as false: a
  publication shows results, not code. Cell options are read, Quarto style, from `#| key: value`
  lines at the top of the cell (YAML), then the outputs are turned into markdown:

  - `#| output: false` or `#| include: false`: nothing;
  - `#| output: asis`: stdout text and text/markdown results are written as raw markdown
    (a notebook can print `![...](figures/x.png){#fig-x fig-alt="..."}` after saving the file
    itself; that passes through untouched);
  - image/png (or jpeg) results: saved as `<figures_dir>/<label>.png` and written as
    `![fig-cap](figures/<label>.png){#<label> fig-alt="..."}`. Each output's own metadata comes
    first: its alt text from `metadata["image/png"]["alt"]` (where `IPython.display.Image(alt=...)`
    puts it), its label and caption from `metadata["needs-assessment"]` (`label`, `fig-cap`; what
    `needs_assessment.content.display.Figure` writes, so one cell can show many numbered figures); then
    the cell options (label, fig-cap, fig-alt). Without a label the file is named after the
    notebook and cell;
  - text/markdown results: written as markdown; with `label` and `tbl-cap`, followed by the
    Quarto table caption line `: tbl-cap {#label}`. A result marked as a figure's caption
    (`metadata["needs-assessment"]["caption-of"]`, shown for the notebook's reader) is skipped:
    the caption is the figure's;
  - text/plain results without `output: asis` are dropped (they are reprs); so are stdout
    prints without `output: asis`, text/html results and stderr (each noted in the warnings);
  - an error output raises NotebookRenderError naming the notebook and the cell.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

import yaml

from needs_assessment.content.display import METADATA_KEY, figure_markdown, one_line
from needs_assessment.render.errors import NotebookRenderError

_OPTION = re.compile(r"^\s*#\|\s?(.*)$")
_IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg"}


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(value)
    return value if isinstance(value, str) else str(value)


def parse_cell_options(source: str, *, where: str = "cell") -> tuple[dict[str, Any], str]:
    """Quarto cell options (`#| key: value` lines at the top) -> (options, remaining code)."""
    lines = source.splitlines()
    option_lines: list[str] = []
    i = 0
    while i < len(lines):
        m = _OPTION.match(lines[i])
        if not m:
            break
        option_lines.append(m.group(1))
        i += 1
    if not option_lines:
        return {}, source
    try:
        options = yaml.safe_load("\n".join(option_lines)) or {}
    except yaml.YAMLError as exc:
        raise NotebookRenderError(f"{where}: the `#|` cell options are not valid YAML: {exc}") from exc
    if not isinstance(options, dict):
        raise NotebookRenderError(f"{where}: the `#|` cell options must be `key: value` lines")
    return options, "\n".join(lines[i:])


def _rel_posix(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def notebook_to_markdown(notebook_path, markdown_path, figures_dir) -> list[str]:
    """Convert an executed notebook to a Quarto markdown chapter; return warnings (strings).

    See the module docstring for what each kind of cell and output becomes.
    """
    import nbformat

    notebook_path, markdown_path, figures_dir = Path(notebook_path), Path(markdown_path), Path(figures_dir)
    try:
        nb = nbformat.read(str(notebook_path), as_version=4)
    except Exception as exc:  # nbformat raises several kinds
        raise NotebookRenderError(f"{notebook_path}: cannot read the notebook: {exc}") from exc
    figures_dir.mkdir(parents=True, exist_ok=True)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    md_dir = markdown_path.parent.resolve()
    stem = notebook_path.stem
    warnings: list[str] = []
    chunks: list[str] = []
    used_names: set[str] = set()

    def save_image(name: str, data: Any) -> str:
        raw = base64.b64decode(_text(data))
        (figures_dir / name).write_bytes(raw)
        return _rel_posix(figures_dir.resolve() / name, md_dir)

    for index, cell in enumerate(nb.cells, start=1):
        source = _text(cell.get("source", ""))
        if cell.cell_type == "markdown":
            text = source
            for name, bundle in (cell.get("attachments") or {}).items():
                for mime, ext in _IMAGE_TYPES.items():
                    if mime in bundle:
                        safe = re.sub(r"[^A-Za-z0-9_.-]", "-", f"{stem}-{name}")
                        rel = save_image(safe, bundle[mime])
                        text = text.replace(f"attachment:{name}", rel)
                        break
            chunks.append(text.strip("\n"))
            continue
        if cell.cell_type == "raw":
            if source.strip():
                chunks.append(source.strip("\n"))
            continue
        if cell.cell_type != "code":
            continue

        options, _code = parse_cell_options(source, where=f"{notebook_path}, cell {index}")
        label = options.get("label")
        where = f"{notebook_path}, cell {index}" + (f" ({label})" if label else "")
        outputs = cell.get("outputs") or []
        for out in outputs:
            if out.get("output_type") == "error":
                traceback = "\n".join(out.get("traceback") or [])
                traceback = re.sub(r"\x1b\[[0-9;]*m", "", traceback)
                raise NotebookRenderError(
                    f"{where} raised {out.get('ename', 'an error')}: {out.get('evalue', '')}"
                    + (f"\n{traceback[-2000:]}" if traceback else ""))
        if options.get("include") is False or options.get("output") is False or options.get("eval") is False:
            continue
        asis = str(options.get("output", "")).lower() == "asis"
        fig_cap = options.get("fig-cap")
        fig_alt = options.get("fig-alt")
        tbl_cap = options.get("tbl-cap")
        image_count = 0            # images that take the cell's label
        images_in_cell = 0
        cell_chunks: list[list[str]] = []   # [kind, text]; consecutive stdout merged
        for out in outputs:
            kind = out.get("output_type")
            if kind == "stream":
                text = _text(out.get("text", ""))
                if out.get("name") == "stderr":
                    if text.strip():
                        warnings.append(f"{where}: stderr output dropped: {text.strip()[:200]}")
                    continue
                if asis:
                    if cell_chunks and cell_chunks[-1][0] == "stream":
                        cell_chunks[-1][1] += text
                    else:
                        cell_chunks.append(["stream", text])
                elif text.strip():
                    warnings.append(f"{where}: printed text dropped (add `#| output: asis` to "
                                    f"publish it): {text.strip()[:120]}")
                continue
            if kind not in ("display_data", "execute_result"):
                continue
            data = out.get("data") or {}
            metadata = out.get("metadata") or {}
            own = metadata.get(METADATA_KEY) or {}
            image_mime = next((m for m in _IMAGE_TYPES if m in data), None)
            if image_mime:
                ext = _IMAGE_TYPES[image_mime]
                images_in_cell += 1
                alt = (metadata.get(image_mime) or {}).get("alt") or fig_alt
                caption = one_line(own.get("fig-cap") or fig_cap or "")
                if own.get("label"):
                    ident = str(own["label"])
                    name = f"{ident}{ext}"
                elif label:
                    image_count += 1
                    name = f"{label}{ext}" if image_count == 1 else f"{label}-{image_count}{ext}"
                    ident = label if image_count == 1 else None
                    if image_count == 2:
                        warnings.append(f"{where}: more than one image; only the first is the "
                                        f"numbered figure #{label}")
                else:
                    name = f"{stem}-cell{index}-{images_in_cell}{ext}"
                    ident = None
                name = re.sub(r"[^A-Za-z0-9_.-]", "-", name)
                if name in used_names:
                    warnings.append(f"{where}: figure file {name} written twice (duplicate label?)")
                used_names.add(name)
                rel = save_image(name, data[image_mime])
                if not alt:
                    warnings.append(f"{where}: figure {'#' + ident + ' ' if ident else ''}has no fig-alt "
                                    f"(alt text); add `#| fig-alt: ...` or display it with its alt text")
                if ident and not caption:
                    warnings.append(f"{where}: figure #{ident} has no fig-cap; it will not be numbered "
                                    f"as a figure by Quarto")
                cell_chunks.append(["image", figure_markdown(rel, caption, ident, alt)])
                continue
            if "text/markdown" in data and own.get("caption-of"):
                continue     # the caption a notebook shows under its figure: the figure has it
            if "text/markdown" in data:
                text = _text(data["text/markdown"]).strip("\n")
                if tbl_cap and label and not any(c.strip().startswith(": ") for c in text.splitlines()[-1:]):
                    text = f"{text}\n\n: {one_line(tbl_cap)} {{#{label}}}"
                cell_chunks.append(["markdown", text])
                continue
            if "text/html" in data:
                warnings.append(f"{where}: HTML output dropped (HTML is not allowed in the "
                                f"publication; display markdown instead, e.g. a pipe table)")
                continue
            # text/plain only: a repr; dropped.
        if tbl_cap and label and not any("{#" + str(label) + "}" in c for _, c in cell_chunks):
            warnings.append(f"{where}: tbl-cap given but the cell displayed no markdown table")
        for _, text in cell_chunks:
            text = text.strip("\n")
            if text.strip():
                chunks.append(text)

    body = "\n\n".join(c for c in chunks if c.strip()) + "\n"
    markdown_path.write_text(body, encoding="utf-8")
    return warnings
