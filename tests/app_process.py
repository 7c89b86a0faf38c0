"""One app process for tests/test_two_processes.py: ``python -m tests.app_process`` runs app.py through
AppTest in this OS process (its own Streamlit caches, stores, sign-in limit object and sessions
object, as a server process has) and takes one JSON command per line on stdin, answering one JSON
line on stdout after each:

    {"op": "open"}                                  a new browser session, first page
    {"op": "open", "token": T}                      a new session whose browser holds session token T
    {"op": "sign_in", "name": N, "password": P}     the sign-in form
    {"op": "page", "page": "pages/query.py", "year": 2025}
    {"op": "run"}                                   the next click (a rerun)
    {"op": "upload", "file": "NAME.xlsx", "path": P} the 上传数据 page: choose the file, confirm
    {"op": "sign_out"}

The answer: {"user": signed-in name or null, "token": the session's server-side token or null,
"errors", "successes", "captions": texts shown, "sign_in_form": bool, "exception": messages}.
Configured by the environment like a server (DATABASE_URL, DJ_USERS_FILE, DJ_SETTINGS)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from streamlit.testing.v1 import AppTest

    from data import texts
    from ui.selection import default_as_of
    from tests.helpers import XLSX, button
    from ui import signin

    at = None

    def state() -> dict:
        def shown(elements) -> list[str]:
            return [str(e.value) for e in elements]

        session = at.session_state
        return {"user": session[signin.AUTH_KEY] if signin.AUTH_KEY in session else None,
                "token": session[signin.TOKEN_KEY] if signin.TOKEN_KEY in session else None,
                "errors": shown(at.error), "successes": shown(at.success), "captions": shown(at.caption),
                "sign_in_form": [t.label for t in at.text_input] == [texts.SIGNIN_NAME, texts.SIGNIN_PASSWORD],
                "exception": [str(e.value) for e in at.exception]}

    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "open":
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            if command.get("token"):
                at.session_state[signin.TOKEN_KEY] = command["token"]
            at.run()
        elif op == "sign_in":
            at.text_input[0].input(command["name"])
            at.text_input[1].input(command["password"])
            button(at, texts.SIGNIN_BUTTON).click().run()
        elif op == "page":
            at.session_state["year"] = command["year"]
            at.session_state["as_of"] = default_as_of(command["year"], date.today())
            at.switch_page(command["page"]).run()
        elif op == "run":
            at.run()
        elif op == "upload":
            at.switch_page("pages/upload.py").run()
            at.file_uploader[0].set_value([(command["file"], Path(command["path"]).read_bytes(), XLSX)]).run()
            button(at, texts.UPLOAD_CONFIRM).click().run()
        elif op == "sign_out":
            [out] = [b for b in at.sidebar.button if b.label == texts.SIGNOUT_BUTTON]
            out.click().run()
        else:
            raise ValueError(op)
        print(json.dumps(state(), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
