"""The web target: the online copy, one accessible page per clinic with everything embedded.

render.py (Book -> one HTML page), writer.py (what it embeds, its download links) and its job."""
from handout.targets.base import Target, register

WEB = register(Target(
    "web", "web page", "web", ("web/index.html",), ("assets/css/base.css", "assets/css/web.css"), ".html",
    per_edition=False, own_inputs=("assets/css/web.css", "layouts/web/"), capabilities={"paged": False},
    unit="page", help="skip the web edition", job="handout.targets.web.job:web_job", stem="index",
    enabled=lambda config: config.web.enabled,
    summary="the online copy: one accessible page, everything embedded, linking to the files beside it"))
