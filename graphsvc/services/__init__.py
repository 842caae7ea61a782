"""Service functions: what routes and pages ask of the store, in plain Python.

Routes stay thin (parse, authorise, audit, format); services speak only the Store
interface and named queries, so they are tested on the real embedded store
without a web server.
"""
