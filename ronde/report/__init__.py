"""The read side shared by the dashboard, `/metrics` and the trial report (`ronde report`).

`facts` holds the values; `source` is the protocol the renderers read, `store_source` fills
it from storage (through `mapping`); `charts` draws inline SVG, `render` writes the report's
HTML and `pdf` prints it with Chromium.
"""
