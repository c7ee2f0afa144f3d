"""The FIX data dictionaries in `fixspec/`: stock QuickFIX dictionaries plus our customisations.

Why a generator and not hand-edited XML: the stock dictionaries ship with the `quickfix`
package, and every line we add must be explainable in the rules of engagement. Keeping the
additions here as data (and the XML in `fixspec/` as their output) means the difference from
stock is exactly this list; a test regenerates the files and fails if they were edited by hand.

Run `python -m gateway.fix.dictionaries` to rewrite `fixspec/FIX42.xml` and `FIX44.xml` from
the stock dictionaries of the installed quickfix.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .tags import CLOSE_TODAY_YESTERDAY, CLOSE_TODAY, CLOSE_YESTERDAY, FIGI_PRIVATE_SOURCE

FIXSPEC_DIR = Path(__file__).resolve().parents[2] / "fixspec"
STOCK_DIR = Path(sysconfig.get_path("data")) / "share" / "quickfix"

DICTIONARY_FILES = {"FIX.4.2": "FIX42.xml", "FIX.4.4": "FIX44.xml"}


@dataclass(frozen=True)
class Customisation:
    """What one dictionary gets on top of stock."""

    new_fields: tuple[str, ...]  # <field .../> definitions for the <fields> section
    id_source_values: tuple[tuple[str, str], ...]  # (enum, description) added to tag 22
    message_fields: tuple[tuple[str, str], ...]  # (message name, field name), optional fields


_CLOSE_TODAY_FIELD = (
    f"  <field number='{CLOSE_TODAY_YESTERDAY}' name='CloseTodayYesterday' type='CHAR'>\n"
    f"   <value enum='{CLOSE_TODAY}' description='CLOSE_TODAY' />\n"
    f"   <value enum='{CLOSE_YESTERDAY}' description='CLOSE_YESTERDAY' />\n"
    "  </field>\n"
)

# FIGI: `S` is the standard value (FIX EP202, Bloomberg's own amendment, in FIX 5.0 SP2's
# stock dictionary); the private value is accepted as an alias (see fixspec/README.md).
_FIGI_VALUES = (("S", "FINANCIAL_INSTRUMENT_GLOBAL_IDENTIFIER"), (FIGI_PRIVATE_SOURCE, "FIGI_PRIVATE"))

_ORDER_MESSAGES = ("NewOrderSingle", "OrderCancelReplaceRequest", "ExecutionReport")

CUSTOMISATIONS: dict[str, Customisation] = {
    "FIX.4.2": Customisation(
        new_fields=(
            "  <field number='553' name='Username' type='STRING' />\n",
            "  <field number='554' name='Password' type='STRING' />\n",
            _CLOSE_TODAY_FIELD,
        ),
        id_source_values=(("A", "BLOOMBERG_SYMBOL"), *_FIGI_VALUES),
        message_fields=(
            ("Logon", "Username"),
            ("Logon", "Password"),
            *((name, "CloseTodayYesterday") for name in _ORDER_MESSAGES),
        ),
    ),
    "FIX.4.4": Customisation(
        new_fields=(_CLOSE_TODAY_FIELD,),
        id_source_values=_FIGI_VALUES,
        message_fields=tuple((name, "CloseTodayYesterday") for name in _ORDER_MESSAGES),
    ),
}


def customise(stock: str, begin_string: str) -> str:
    """The stock dictionary text with our additions, everything else byte for byte."""
    spec = CUSTOMISATIONS[begin_string]
    text = stock
    end_of_fields = text.index(" </fields>")
    text = text[:end_of_fields] + "".join(spec.new_fields) + text[end_of_fields:]
    id_source = re.search(r"  <field number='22' name='\w+' type='STRING'>\n(?:   <value [^\n]*\n)*", text)
    if id_source is None:
        raise ValueError(f"{begin_string}: stock dictionary has no enumerated field 22")
    values = "".join(f"   <value enum='{enum}' description='{name}' />\n" for enum, name in spec.id_source_values)
    text = text[: id_source.end()] + values + text[id_source.end() :]
    for message, field in spec.message_fields:
        start = text.index(f"  <message name='{message}' ")
        end = text.index("  </message>", start)
        text = text[:end] + f"   <field name='{field}' required='N' />\n" + text[end:]
    return text


def dictionary_path(begin_string: str, directory: Path = FIXSPEC_DIR) -> Path:
    return directory / DICTIONARY_FILES[begin_string]


def write_dictionaries(stock_dir: Path = STOCK_DIR, target_dir: Path = FIXSPEC_DIR) -> list[Path]:
    written = []
    for begin_string, name in DICTIONARY_FILES.items():
        path = target_dir / name
        path.write_text(customise((stock_dir / name).read_text(encoding="ascii"), begin_string), encoding="ascii")
        written.append(path)
    return written


if __name__ == "__main__":
    if not STOCK_DIR.is_dir():
        sys.exit(f"no stock QuickFIX dictionaries in {STOCK_DIR}: is quickfix installed in this environment?")
    for written_path in write_dictionaries():
        print(f"wrote {written_path}")
