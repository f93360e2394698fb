"""The reporters' and the ESG office's web portal (`esgflow portal`): server-rendered pages and a small API.

`app.py` wires the routes and the limits, `auth.py` says who is asking, `uploads.py` takes a
return through the same pipeline as every other channel, `pages.py` and `api.py` answer people
and scripts, `views.py` shapes what they are shown and `render.py` writes the HTML;
`access.py` makes the sign-in tokens (kept only as hashes).
"""
