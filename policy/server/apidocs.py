"""The interactive API page (Swagger UI), every asset served by the service itself.

The page works with no network: its script and style come from the
`swagger-ui-bundle` package on disk, its set-up script is this module's,
the validator badge (which would call validator.swagger.io) is off, and a
Content-Security-Policy keeps the page from loading anything from elsewhere.
Only the files the page uses are served, by name, each read once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.responses import Response
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]  # the package ships no types

from policy.server.errors import ApiError, json_bytes
from policy.server.openapi import for_viewer

PAGE = "/docs"
ASSETS = f"{PAGE}/assets"
VIEWER_DOCUMENT = f"{PAGE}/openapi-viewer.json"
# The files of the bundle the page uses, and their media types.
BUNDLE_FILES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
INIT_SCRIPT = f"""window.addEventListener("load", function () {{
  window.ui = SwaggerUIBundle({{
    url: "{VIEWER_DOCUMENT}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  }});
}});
"""
PAGE_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{title}}: API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="{ASSETS}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/init.js"></script>
</body>
</html>
"""
# Swagger UI sets inline styles and draws icons from data: URLs; nothing else is allowed.
SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                   "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                   "frame-ancestors 'none'")
CACHED = "public, max-age=86400"


@cache
def _bundle_file(name: str) -> bytes:
    return (Path(swagger_ui_path) / name).read_bytes()


def docs_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    headers = {"Content-Security-Policy": SECURITY_POLICY, "X-Content-Type-Options": "nosniff"}
    html = PAGE_HTML.replace("{title}", app.title).encode("utf-8")
    viewed: list[bytes] = []  # the viewer's copy, made on first request (the routes must all be in first)

    @router.get(PAGE)
    async def page() -> Response:
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)

    @router.get(VIEWER_DOCUMENT)
    async def viewer_document() -> Response:
        if not viewed:
            viewed.append(json_bytes(for_viewer(app.openapi())))
        return Response(viewed[0], media_type="application/json")

    @router.get(f"{ASSETS}/init.js")
    async def init_script() -> Response:
        return Response(INIT_SCRIPT, media_type="text/javascript; charset=utf-8", headers=headers)

    @router.get(ASSETS + "/{name}")
    async def asset(name: str) -> Response:
        media_type = BUNDLE_FILES.get(name)
        if media_type is None:  # only the named files: never a path into the file system
            raise ApiError(404, "not found")
        return Response(_bundle_file(name), media_type=media_type, headers={**headers, "Cache-Control": CACHED})

    return router


__all__ = ["PAGE", "docs_router"]
