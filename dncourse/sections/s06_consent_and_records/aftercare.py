"""A plain-language aftercare sheet for a patient, made from a few treatment details (section 6).

The advice comes from ``data/aftercare_advice.json`` (what is normal, when to
call, whom to call, and the pneumothorax warning) and the body areas from
``data/aftercare_areas.csv``, where each area says whether it lies over the
chest.  The pneumothorax warning is added when, and only when, at least one
area over the chest was needled.

Use it from code::

    text = make_sheet("markdown", date="2025-03-14", areas=["upper_back"],
                      clinician="Sam Lee", phone="01234 567890")
    path = save_sheet(text, "markdown", "2025-03-14")   # into the working folder

or through the :class:`AftercareSheetMaker` widget.  Invalid details raise
:class:`AftercareInputError`, whose message lists every problem in plain words.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path

from dncourse.content.loader import load
from dncourse.content.references import cite

__all__ = [
    "DEFAULT_URGENT",
    "FORMATS",
    "AftercareInputError",
    "TreatmentDetails",
    "areas",
    "validate_details",
    "needs_pneumothorax_warning",
    "sheet_markdown",
    "sheet_html",
    "make_sheet",
    "save_sheet",
    "AftercareSheetMaker",
]

#: What the sheet says to do in an emergency unless the clinic's policy says otherwise.
DEFAULT_URGENT = "call your local emergency number"
#: The two formats a sheet can be saved in, and their file endings.
FORMATS = {"markdown": ".md", "html": ".html"}
TITLE = "After your dry needling treatment"
_PHONE_CHARS = re.compile(r"^[0-9 +()\-.]+$")


class AftercareInputError(ValueError):
    """The treatment details cannot make a sheet; the message lists what to change."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("The sheet was not made. Please fix:\n- " + "\n- ".join(self.problems))


@dataclass(frozen=True)
class TreatmentDetails:
    """Checked treatment details, ready to fill in the sheet."""

    date: dt.date
    areas: tuple[str, ...]
    clinician: str
    phone: str
    clinic: str
    urgent: str

    @property
    def date_text(self) -> str:
        """The date as a patient reads it: '14 March 2025'."""
        return f"{self.date.day} {self.date:%B %Y}"


def areas() -> list[dict]:
    """The body areas offered, in order (rows of ``aftercare_areas.csv``)."""
    return sorted(load("aftercare_areas"), key=lambda r: r["position"])


def _clean(text) -> str:
    return " ".join(str(text if text is not None else "").split())


def _check_date(date, today: dt.date, problems: list[str]):
    if date is None or (isinstance(date, str) and not date.strip()):
        problems.append("Choose the date of the treatment.")
        return None
    if isinstance(date, dt.datetime):
        date = date.date()
    elif isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            problems.append(f"The date {date!r} is not one I can read: type it as year-month-day, "
                            "for example 2025-03-14.")
            return None
    elif not isinstance(date, dt.date):
        problems.append("Choose the date of the treatment.")
        return None
    if date > today:
        problems.append(f"The date {date.isoformat()} is in the future: choose the day the patient was treated.")
        return None
    return date


def validate_details(*, date, areas: list[str] | tuple[str, ...], clinician: str, phone: str,
                     clinic: str = "", urgent: str = DEFAULT_URGENT,
                     today: dt.date | None = None) -> TreatmentDetails:
    """Check the details a sheet needs and return them cleaned.

    Parameters
    ----------
    date : datetime.date or str
        The day of the treatment ("2025-03-14" is accepted); not in the future.
    areas : list of str
        The ids of the areas needled (see :func:`areas`); at least one.
    clinician, phone : str
        Who treated the patient, and the clinic's phone number for questions.
    clinic : str, optional
        The clinic's name ("the clinic" when left empty).
    urgent : str
        What to do in an emergency, as the clinic's policy says.
    today : datetime.date, optional
        Today's date (for tests); the computer's date by default.

    Raises
    ------
    AftercareInputError
        Listing every problem found, each with what to change.
    """
    today = today or dt.date.today()
    problems: list[str] = []
    date = _check_date(date, today, problems)

    known = [row["id"] for row in globals()["areas"]()]
    chosen = [areas] if isinstance(areas, str) else list(areas or [])
    unknown = [a for a in chosen if a not in known]
    if unknown:
        problems.append(f"{', '.join(map(str, unknown))} is not an area on the list; "
                        f"use one of: {', '.join(known)}.")
    elif not chosen:
        problems.append("Tick at least one area that was needled.")

    clinician = _clean(clinician)
    if not clinician:
        problems.append("Type the name of the person who gave the treatment in 'Treated by'.")
    elif len(clinician) > 60:
        problems.append("The name in 'Treated by' is longer than 60 characters: shorten it.")

    phone = _clean(phone)
    digits = re.sub(r"\D", "", phone)
    if not phone:
        problems.append("Type the clinic's phone number, so the patient knows whom to call.")
    elif not _PHONE_CHARS.match(phone):
        problems.append(f"The phone number {phone!r} may hold only digits, spaces, +, -, dots and brackets.")
    elif not 5 <= len(digits) <= 20:
        problems.append(f"The phone number {phone!r} has {len(digits)} digits: check it "
                        "(between 5 and 20 digits).")

    clinic = _clean(clinic) or "the clinic"
    if len(clinic) > 80:
        problems.append("The clinic name is longer than 80 characters: shorten it.")

    urgent = _clean(urgent).rstrip(".")
    if not urgent:
        problems.append("Say what to do in an emergency, for example 'call your local emergency number'; "
                        "your clinic's policy says which number.")
    elif len(urgent) > 120:
        problems.append("The emergency advice is longer than 120 characters: shorten it.")

    if problems:
        raise AftercareInputError(problems)
    order = {a: i for i, a in enumerate(known)}
    return TreatmentDetails(date=date, areas=tuple(sorted(dict.fromkeys(chosen), key=order.get)),
                            clinician=clinician, phone=phone, clinic=clinic, urgent=urgent)


def needs_pneumothorax_warning(area_ids) -> bool:
    """Whether any of ``area_ids`` lies over the chest, so the warning must be on the sheet."""
    flagged = {row["id"] for row in areas() if row["thorax"]}
    return any(a in flagged for a in area_ids)


def _blocks(details: TreatmentDetails, escape=lambda text: text) -> list[dict]:
    """The advice blocks that apply to this treatment, with the form's details filled in.

    ``escape`` is applied to the typed details before they go into the advice text
    (Markdown escaping; HTML escapes the whole text later).
    """
    warn = needs_pneumothorax_warning(details.areas)
    fill = {"date": details.date_text, "clinic": escape(details.clinic), "phone": escape(details.phone),
            "urgent": escape(details.urgent)}
    blocks = []
    for block in sorted(load("aftercare_advice"), key=lambda b: b["position"]):
        if block["applies"] == "thorax" and not warn:
            continue
        block = dict(block)
        for key in ("heading", "intro", "outro"):
            if key in block:
                block[key] = block[key].format(**fill)
        block["items"] = [item.format(**fill) for item in block["items"]]
        blocks.append(block)
    return blocks


def _area_names(details: TreatmentDetails) -> str:
    names = {row["id"]: row["area"] for row in areas()}
    return "; ".join(names[a] for a in details.areas)


def _sources(blocks: list[dict]) -> str:
    keys = list(dict.fromkeys(k for b in blocks for k in b["refs"]))
    return cite(keys)


_FOOTNOTE = ("This sheet was made with the staff course \"Dry Needling: Benefits and Safety\". "
             "Check it against your clinic's own aftercare policy before you give it to a patient.")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Escape what a user typed so that Markdown shows it as plain text."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def sheet_markdown(details: TreatmentDetails) -> str:
    """The aftercare sheet as Markdown."""
    blocks = _blocks(details, escape=_md)
    lines = [f"# {TITLE}", "",
             f"**Date of treatment:** {details.date_text}  ",
             f"**Treated by:** {_md(details.clinician)}, {_md(details.clinic)}  ",
             f"**Areas needled:** {_area_names(details)}", ""]
    for block in blocks:
        lines += [f"## {block['heading']}", ""]
        if block.get("intro"):
            lines += [block["intro"], ""]
        lines += [f"- {item}" for item in block["items"]] + [""]
        if block.get("outro"):
            lines += [f"**{block['outro']}**", ""]
    lines += ["---", "", f"*For staff: sources of this advice: {_sources(blocks)}.*", "",
              f"*{_FOOTNOTE}*", ""]
    return "\n".join(lines)


def sheet_html(details: TreatmentDetails, standalone: bool = True) -> str:
    """The aftercare sheet as HTML: a whole page, or only its body for a preview."""
    e = html.escape
    blocks = _blocks(details)
    body = [f"<h1>{e(TITLE)}</h1>",
            "<p>"
            f"<b>Date of treatment:</b> {e(details.date_text)}<br>"
            f"<b>Treated by:</b> {e(details.clinician)}, {e(details.clinic)}<br>"
            f"<b>Areas needled:</b> {e(_area_names(details))}</p>"]
    for block in blocks:
        important = block["applies"] == "thorax"
        body.append('<section class="warning">' if important else "<section>")
        body.append(f"<h2>{'&#9888; ' if important else ''}{e(block['heading'])}</h2>")
        if block.get("intro"):
            body.append(f"<p>{e(block['intro'])}</p>")
        body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in block["items"]) + "</ul>")
        if block.get("outro"):
            body.append(f"<p><strong>{e(block['outro'])}</strong></p>")
        body.append("</section>")
    body += ["<hr>", f"<p><small><i>For staff: sources of this advice: {e(_sources(blocks))}.</i></small></p>",
             f"<p><small><i>{e(_FOOTNOTE)}</i></small></p>"]
    inner = "\n".join(body)
    if not standalone:
        return inner
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{e(TITLE)}, {e(details.date_text)}</title>\n"
            "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;line-height:1.5}"
            ".warning{border:3px solid #D55E00;padding:0 1em;margin:1em 0}</style>\n"
            f"</head>\n<body>\n{inner}\n</body>\n</html>\n")


def _format(fmt: str) -> str:
    fmt = str(fmt).strip().lower()
    if fmt in ("md",):
        fmt = "markdown"
    if fmt not in FORMATS:
        raise AftercareInputError([f"{fmt!r} is not a format I can save: choose markdown or html."])
    return fmt


def make_sheet(fmt: str = "markdown", **fields) -> str:
    """Check ``fields`` (see :func:`validate_details`) and return the sheet in ``fmt``."""
    fmt = _format(fmt)
    details = validate_details(**fields)
    return sheet_markdown(details) if fmt == "markdown" else sheet_html(details)


def save_sheet(text: str, fmt: str, date, folder: Path | str | None = None) -> Path:
    """Write ``text`` to ``aftercare-sheet-<date>.md`` (or ``.html``) in ``folder``; return the path.

    ``folder`` is the working folder by default (in JupyterLab, the notebook's
    folder).  An existing file is never overwritten: ``-2``, ``-3``... is added.
    """
    fmt = _format(fmt)
    if not text or not str(text).strip():
        raise AftercareInputError(["There is no sheet to save yet: make the sheet first."])
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    folder = Path(folder) if folder is not None else Path.cwd()
    if not folder.is_dir():
        raise AftercareInputError([f"The folder {folder} does not exist."])
    stem, suffix = f"aftercare-sheet-{date.isoformat()}", FORMATS[fmt]
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path.resolve()


class AftercareSheetMaker:
    """A form that makes, shows and saves an aftercare sheet.

    Drive it without a browser: set the fields (``maker.phone.value = "..."``,
    ``maker.set_areas("upper_back")``), then ``maker.make_button.click()`` and
    ``maker.save_button.click()``; read ``maker.preview.value`` and
    ``maker.status.value``.  ``folder`` is where sheets are saved (the working
    folder by default).
    """

    def __init__(self, folder: Path | str | None = None, today: dt.date | None = None):
        from dncourse.ui.widgetkit import kit as w

        self.folder = folder
        self.today = today
        self.text: str | None = None
        self.saved: Path | None = None
        style = {"description_width": "10em"}
        wide = w.Layout(width="36em")
        self.clinic = w.Text(description="Clinic name:", placeholder="for example Riverside Physiotherapy",
                             style=style, layout=wide)
        self.phone = w.Text(description="Clinic phone:", placeholder="for example 01234 567890",
                            style=style, layout=wide)
        self.clinician = w.Text(description="Treated by:", placeholder="for example Sam Lee",
                                style=style, layout=wide)
        self.date = w.DatePicker(description="Date of treatment:", value=today or dt.date.today(),
                                 style=style)
        self.area_rows = areas()
        self.area_boxes = {row["id"]: w.Checkbox(value=False, description=row["area"], indent=False,
                                                 layout=w.Layout(width="auto"))
                           for row in self.area_rows}
        self.urgent = w.Text(description="In an emergency:", value=DEFAULT_URGENT,
                             style=style, layout=wide,
                             tooltip="What your clinic's policy tells patients to do in an emergency")
        self.fmt = w.RadioButtons(options=[("Markdown (.md)", "markdown"), ("Web page (.html)", "html")],
                                  value="markdown", description="Save as:", style=style)
        self.make_button = w.Button(description="Make the sheet", icon="file-text",
                                    tooltip="Check the details and show the sheet")
        self.save_button = w.Button(description="Save the sheet", icon="save",
                                    tooltip="Write the sheet into the working folder")
        self.status = w.HTML(value="")
        self.preview = w.HTML(value="")
        self.make_button.on_click(lambda _b: self.make())
        self.save_button.on_click(lambda _b: self.save())
        areas_box = w.VBox([w.HTML("<b>Areas needled today</b> (tick all that apply):"),
                            *self.area_boxes.values()])
        self.widget = w.VBox([self.clinic, self.phone, self.clinician, self.date, areas_box,
                              self.urgent, self.fmt, w.HBox([self.make_button, self.save_button]),
                              self.status, self.preview])

    def set_areas(self, *area_ids: str) -> None:
        """Tick exactly the areas ``area_ids`` (as clicks would)."""
        unknown = [a for a in area_ids if a not in self.area_boxes]
        if unknown:
            raise KeyError(f"no area {', '.join(unknown)}; the areas are: {', '.join(self.area_boxes)}")
        for area_id, box in self.area_boxes.items():
            box.value = area_id in area_ids

    def fields(self) -> dict:
        """The form's values, as :func:`validate_details` takes them."""
        return {"date": self.date.value, "areas": [a for a, b in self.area_boxes.items() if b.value],
                "clinician": self.clinician.value, "phone": self.phone.value,
                "clinic": self.clinic.value, "urgent": self.urgent.value, "today": self.today}

    def _problem(self, error: AftercareInputError) -> None:
        items = "".join(f"<li>{html.escape(p)}</li>" for p in error.problems)
        self.status.value = f"<p><b>&#10008; The sheet was not made. Please fix:</b></p><ul>{items}</ul>"

    def make(self) -> str | None:
        """Check the form and show the sheet; return its text in the chosen format, or None."""
        self.text = None
        try:
            details = validate_details(**self.fields())
        except AftercareInputError as error:
            self.preview.value = ""
            self._problem(error)
            return None
        self.details = details
        self.text = sheet_markdown(details) if self.fmt.value == "markdown" else sheet_html(details)
        warned = needs_pneumothorax_warning(details.areas)
        self.status.value = ("<p>&#10004; Sheet made"
                             + (", with the pneumothorax warning because an area over the chest was needled"
                                if warned else "")
                             + ". Read it below, then press <i>Save the sheet</i>.</p>")
        self.preview.value = ('<div style="border:1px solid #999;padding:0 1em">'
                              + sheet_html(details, standalone=False) + "</div>")
        return self.text

    def save(self) -> Path | None:
        """Make the sheet from the current form and save it; return the file's path, or None."""
        if self.make() is None:
            return None
        path = save_sheet(self.text, self.fmt.value, self.details.date, self.folder)
        self.saved = path
        where = (" Open it from the file browser on the left: it is in the same folder as this notebook."
                 if self.folder is None else "")
        self.status.value = (f"<p>&#10004; Saved as <b>{html.escape(path.name)}</b> in the folder "
                             f"<code>{html.escape(str(path.parent))}</code>.{where}</p>")
        return path

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
