"""登录 by its own address (/auth): the sign-in form; a signed-out session sees the same form at
every address (app.py)."""

from ui import routing, signin_form

routing.ensure_routed()
signin_form.render()
