"""Authentication, authorisation and request hardening.

Split by concern: ``roles`` (who may do what), ``passwords`` (argon2 hashing),
``users`` (the user/token/session database in the data directory), ``sessions``
(signed browser cookies and CSRF), ``ratelimit`` and ``middleware``.
"""
