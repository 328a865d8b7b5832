"""REDCap: the data dictionary that ``redcap.csv`` imports into, and the values' forms.

The export writes ``redcap-dictionary.csv`` beside ``redcap.csv``: upload it
once to a fresh project (Project Setup, Data Dictionary; the upload replaces
a project's whole dictionary, so an existing project adds these rows to its
own: docs/study-team.md, "REDCap"), mark ``session`` a repeating instrument, then import
``redcap.csv`` as it is, every export: a session's instance is its own
(export.INSTANCE_EPOCH), so a re-import overwrites nothing else. Each field
here is a column of ``redcap.csv`` (less REDCap's own ``redcap_repeat_*``),
in the same order, with the type and validation its values are written to:
dates as ``date_ymd``, the start as ``datetime_seconds_ymd`` in local time,
yes/no as 1/0, and the mode and stop reason as choice codes.

REDCap itself cannot run here; the tests hold every value of an export
against this dictionary instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from poolside.core.debrief import StopReason

DICTIONARY_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
SYSTEM_COLUMNS = ("redcap_repeat_instrument", "redcap_repeat_instance")  # REDCap's own


@dataclass(frozen=True)
class Field:
    name: str
    form: str
    kind: str  # REDCap's field type: text, radio, dropdown, yesno
    label: str
    validation: str = ""  # for text: integer, date_ymd, datetime_seconds_ymd
    low: str = ""
    high: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)
    note: str = ""

    def row(self) -> list[str]:
        choices = " | ".join(f"{code}, {label}" for code, label in self.choices)
        cells = {
            "Variable / Field Name": self.name,
            "Form Name": self.form,
            "Field Type": self.kind,
            "Field Label": self.label,
            "Choices, Calculations, OR Slider Labels": choices,
            "Field Note": self.note,
            "Text Validation Type OR Show Slider Number": self.validation,
            "Text Validation Min": self.low,
            "Text Validation Max": self.high,
        }
        return [cells.get(column, "") for column in DICTIONARY_COLUMNS]


def stop_reason_code(reason: str) -> str:
    """A stop reason as a REDCap choice code (letters, digits and _ only)."""
    return reason.replace(" ", "_")


STOP_CHOICES = tuple((stop_reason_code(r.value), r.value) for r in StopReason)


def fields(weeks: int) -> tuple[Field, ...]:
    """The dictionary, for a program of ``weeks`` weeks (program_week's maximum)."""
    session = "session"
    return (
        Field("record_id", "participant", "text", "Participant code (pseudonymous)"),
        Field("session_id", session, "text", "Session record id", note="a UUID, unique forever"),
        Field("session_date", session, "text", "Session date (local)", "date_ymd"),
        Field("session_start", session, "text", "Start (local time)", "datetime_seconds_ymd"),
        Field("program_week", session, "text", "Program week", "integer", "1", str(weeks)),
        Field("program", session, "text", "Program"),
        Field(
            "mode",
            session,
            "radio",
            "Mode",
            choices=(("class", "class (instructor-led)"), ("solo", "solo swim")),
        ),
        Field("planned_s", session, "text", "Planned length (s)", "integer", "1"),
        Field("completed_s", session, "text", "Time done (s), pauses excluded", "integer", "0"),
        Field("blocks_done", session, "text", "Blocks done", "integer", "0"),
        Field("blocks_planned", session, "text", "Blocks planned", "integer", "0"),
        Field("stopped_early", session, "yesno", "Stopped early"),
        Field("stop_reason", session, "dropdown", "Why it stopped", choices=STOP_CHOICES),
        Field("effort", session, "text", "Effort (Borg 6-20)", "integer", "6", "20"),
        Field("clock_synced", session, "yesno", "Clock synchronised when written"),
        Field("device", session, "text", "Pi (device id)"),
    )
