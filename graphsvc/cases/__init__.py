"""Investigation cases: a confirmed ring becomes a case; a transferred case leaves as a
signed package (docs/cases.md).

Modules: ``workflow`` (states, roles; pure), ``records`` (case data and store
properties), ``service`` (create, read, change; the store I/O), ``evidence``
(gather from the store, tabulate purely), ``legal`` (clause texts), ``report``
(HTML and PDF), ``package`` (the zip), ``manifest`` (hashes, signature, verify).
"""
