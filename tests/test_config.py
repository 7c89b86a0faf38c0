"""The deployment's Streamlit configuration (.streamlit/config.toml): XSRF protection on, an upload
limit within the file check's own, no error details shown to users, no usage statistics, no file
watcher; and
Streamlit itself reads every key of the file as written (a misspelt key would be ignored silently).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest

from data import safety
from tests.helpers import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"
MAX_UPLOAD_MB = 10  # the bound (a year's registers are well under 1 MB)

# Streamlit's view of the options, from a fresh process started in the project folder (as
# `make run` starts it) with an empty home, so that no user-level config.toml takes part.
_STREAMLIT_VIEW = """
import json
from streamlit import config
options = config.get_config_options()
print(json.dumps({key: [opt.value, opt.where_defined] for key, opt in options.items()}, default=str))
"""


@pytest.fixture(scope="module")
def written() -> dict[str, object]:
    with CONFIG.open("rb") as fh:
        conf = tomllib.load(fh)
    return {f"{section}.{key}": value for section, keys in conf.items() for key, value in keys.items()}


@pytest.fixture(scope="module")
def streamlit_view(tmp_path_factory) -> dict[str, list]:
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")} | {"HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", _STREAMLIT_VIEW], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("key, wanted", [
    ("server.enableXsrfProtection", lambda v: v is True),
    ("server.maxUploadSize", lambda v: isinstance(v, int) and 0 < v <= MAX_UPLOAD_MB),
    ("client.showErrorDetails", lambda v: v in ("none", False)),
    ("browser.gatherUsageStats", lambda v: v is False),
    # No file watcher: each new browser session would set up inotify on every imported module and
    # rescan them after every run (~0.3 s + ~0.5 s of CPU per session, measured with py-spy), which
    # delayed every first look and multiplies when a meeting opens the link at once.
    ("server.fileWatcherType", lambda v: v == "none"),
])
def test_safety_settings_are_written(written, key, wanted):
    assert key in written, f"{key} missing from {CONFIG.relative_to(ROOT)}"
    assert wanted(written[key]), (key, written[key])


def test_upload_limit_is_within_the_file_checks_limit(written):
    # A file the uploader accepts can still be refused by data.safety, never the other way round
    # unnoticed: the uploader's limit is the smaller one.
    assert written["server.maxUploadSize"] * 2**20 <= safety.MAX_FILE_BYTES


def test_streamlit_reads_every_key_as_written(written, streamlit_view):
    unknown = sorted(set(written) - set(streamlit_view))
    assert unknown == [], f"keys Streamlit does not know: {unknown}"
    for key, value in written.items():
        shown, where = streamlit_view[key]
        assert where == str(CONFIG), (key, where)
        assert shown == value, (key, shown, value)
