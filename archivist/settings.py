"""The archive's settings file, ``archive/settings.ini`` (optional)::

    [places]
    # the region the archive's reports come from: a province or a city, full or short name
    home = 湖南省

``home`` resolves short place names (``茶陵``, ``天元``): only short forms of places inside the
home region count as mentions; places outside it count when named in full (``深圳市``). Without
the file (or without ``home``) short forms count wherever they are unambiguous in all of China.
A bad file or value is reported and ignored, never fatal.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

from .gazetteer import Gazetteer

SETTINGS_NAME = "settings.ini"


@dataclass(frozen=True)
class ArchiveSettings:
    """What the settings file says, and what was wrong with it."""

    home: str = ""
    errors: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """What of the settings the index entries depend on."""
        return f"home={self.home}"


def load_settings(archive_dir: Path, gazetteer: Gazetteer) -> ArchiveSettings:
    """The archive's settings; defaults (and an error naming the problem) when unreadable."""
    path = Path(archive_dir) / SETTINGS_NAME
    if not path.is_file():
        return ArchiveSettings()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8-sig"), source=SETTINGS_NAME)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return ArchiveSettings(errors=(f"{SETTINGS_NAME}: cannot be read ({reason}); ignored",))
    home = parser.get("places", "home", fallback="").strip()
    if home and not gazetteer.region_prefix(home):
        message = f"{SETTINGS_NAME}: [places] home {home!r} is no province or city; ignored"
        return ArchiveSettings(errors=(message,))
    return ArchiveSettings(home=home)
