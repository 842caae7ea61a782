"""The data contract (docs/data-contract.md) as code: table specs and value normalisation.

Why its own package: the loader, the detectors, the generator and the case files all
read the same tables and identifiers, so the contract sits below all of them instead of
inside one of its readers (``loaders``).
"""
