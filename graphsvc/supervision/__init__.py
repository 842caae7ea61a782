"""Supervision around the rings (issue 17): credit grades, with their history."""
