"""Exports of the contract tables into other stores' bulk formats (neo4j-admin import)."""
