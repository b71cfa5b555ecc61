"""Citations and reference lists, read from the ``references`` table (``data/references/sNN.csv``)."""

from __future__ import annotations

from dncourse.content.loader import DataError, load

__all__ = ["cite", "reference_list", "show_references"]


def _by_id() -> dict[str, dict]:
    return {row["id"]: row for row in load("references")}


def cite(keys) -> str:
    """Short in-text citation for one key or a list of keys: 'Brady et al. 2014; APTA 2012'."""
    refs = _by_id()
    keys = [keys] if isinstance(keys, str) else list(keys)
    unknown = [k for k in keys if k not in refs]
    if unknown:
        raise DataError(f"unknown citation key {', '.join(unknown)}; see data/references.csv")
    return "; ".join(refs[k]["short"] for k in keys)


def reference_list(keys) -> str:
    """A Markdown list of full references for ``keys``, in the order given, without repeats."""
    refs = _by_id()
    lines = []
    for key in dict.fromkeys(keys):
        if key not in refs:
            raise DataError(f"unknown citation key {key!r}; see data/references.csv")
        row = refs[key]
        line = f"- {row['citation']}"
        if row.get("doi"):
            line += f" [doi:{row['doi']}](https://doi.org/{row['doi']})"
        if row["verification"] != "verified":
            note = row.get("note") or "checked only in a secondary source"
            line += f" *({row['verification']}: {note})*"
        lines.append(line)
    return "\n".join(lines)


def show_references(keys) -> str:
    """Display the reference list for ``keys`` as Markdown in the notebook."""
    from IPython.display import Markdown, display

    text = reference_list(keys)
    display(Markdown(text))
    return text
