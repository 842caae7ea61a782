"""Settings, from ``GRAPHSVC_*`` environment variables (table in docs/configuration.md).

One class so every entry point (CLI, API, benchmarks) reads configuration the same
way. Secrets have no default outside development: the embedded store password and
the signing key are generated once into the data directory when absent, so a demo
works out of the box and production sets them explicitly.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graphsvc.errors import ConfigError
from graphsvc.security.secretfile import read_or_create

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every tunable of the service. Field descriptions feed the documented table."""

    model_config = SettingsConfigDict(env_prefix="GRAPHSVC_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses generated secrets and demo users."
    )
    data_dir: Path = Field(Path("./data"), description="Store files, audit log, keys, reports.")
    graph_name: str = Field("graphsvc", description="Graph (FalkorDB) or database (Neo4j) name.")
    pii_key_dir: Path | None = Field(
        None,
        description="Directory of the pseudonym (HMAC) and vault (AES-GCM) keys, files "
        "`.pii_hmac_key` and `.pii_vault_key` (0600); DATA_DIR when unset. Keep it apart "
        "from store and vault backups (docs/security.md).",
    )
    pii_vault_dir: Path | None = Field(
        None,
        description="Directory of the encrypted personal-data vault (`pii_vault/<graph>.sqlite`, "
        "0600, AES-GCM): the raw values behind the graph's pseudonyms; DATA_DIR when unset.",
    )

    # Embedded FalkorDB
    store_host: str = Field("127.0.0.1", description="Embedded store bind address (loopback).")
    store_port: int = Field(6390, description="Embedded store port; a free one is chosen if taken.")
    store_password: str | None = Field(
        None, description="Embedded store password; generated into DATA_DIR when unset."
    )
    store_url: str | None = Field(
        None,
        description="An already running FalkorDB (redis://:password@host:port) to use instead.",
    )

    # Neo4j (production)
    neo4j_uri: str | None = Field(None, description="bolt:// or neo4j:// URI; selects Neo4j.")
    neo4j_user: str = Field("neo4j", description="Neo4j user.")
    neo4j_password: str | None = Field(None, description="Neo4j password (required with URI).")
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")

    # Queries
    query_timeout_ms: int = Field(30_000, description="Default per-query timeout.")
    cypher_row_cap: int = Field(5_000, description="Row cap of the analyst Cypher console.")
    cypher_timeout_ms: int = Field(10_000, description="Timeout of console queries.")
    console_concurrency: int = Field(
        1,
        ge=0,
        description="Console queries running at once across all API workers of the host "
        "(one per user always); keep it below store_thread_count and the store's cores so "
        "pages and detection keep store threads and CPU; 0 = no global limit.",
    )

    store_query_mem_mb: int = Field(
        2_048,
        ge=0,
        description="Embedded store: most memory one query may use (FalkorDB "
        "QUERY_MEM_CAPACITY), set at store start; 0 = unlimited.",
    )
    store_thread_count: int = Field(
        4,
        ge=0,
        description="Embedded store: query worker threads (FalkorDB THREAD_COUNT), set at "
        "store start; above console_concurrency so pages answer while console queries "
        "run; 0 = FalkorDB's default (one per core).",
    )
    store_timeout_max_ms: int = Field(
        1_800_000,
        ge=0,
        description="Embedded store: no query runs longer (FalkorDB TIMEOUT_MAX), set at "
        "store start; keep it >= the loader's 30 min scans; 0 = unlimited.",
    )

    # Loading
    batch_size: int = Field(5_000, description="Rows per UNWIND batch (measured, see benchmarks).")

    # API
    host: str = Field("127.0.0.1", description="API bind address.")
    port: int = Field(8000, description="API port.")
    secret_key: str | None = Field(
        None, description="Signs sessions and case packages; generated into DATA_DIR when unset."
    )
    max_request_bytes: int = Field(1_000_000, description="Largest accepted request body.")
    rate_limit_per_minute: int = Field(
        60, description="Per-user limit on expensive endpoints (Cypher, exports)."
    )
    subgraph_node_cap: int = Field(500, description="Most nodes drawn in one view.")
    answer_cache_entries: int = Field(
        512,
        ge=0,
        description="Ring lists, ring details and ring views kept in memory per server "
        "process, keyed by detection run and store data version (0 = off).",
    )

    # Audit trail (graphsvc/audit.py)
    audit_key_file: Path | None = Field(
        None,
        description="HMAC key of the audit chain, created 0600 on first use; default "
        "DATA_DIR/keys/audit_hmac.key. Keep it off the audit log's disk in production.",
    )
    audit_anchor_dir: Path | None = Field(
        None,
        description="Where signed audit heads (anchors) are appended; default "
        "DATA_DIR/audit-anchors. Point it where a local attacker cannot write.",
    )
    audit_anchor_every: int = Field(
        100,
        ge=1,
        description="Write a signed anchor every N audit records (also on each verify); "
        "records after the latest anchor can be cut undetected.",
    )

    # Case packages
    report_font: Path | None = Field(
        None,
        description="TrueType font (.ttf/.ttc) with Chinese glyphs for PDF reports; default: "
        "WenQuanYi Zen Hei (Debian fonts-wqy-zenhei) or another known CJK TrueType font.",
    )

    # Supervision (credit grades)
    grades_config: Path | None = Field(
        None,
        description="JSON file with the credit-grade method and weights (docs/supervision.md); "
        "default: the built-in weights.",
    )

    # Supervision (tip-offs, random inspections)
    tips_key_file: Path | None = Field(
        None,
        description="AES-256 key (32 bytes, mode 0600) sealing tip-off reporters' identities; "
        "default DATA_DIR/keys/tips_aes.key, created when absent outside production.",
    )
    tips_attachment_bytes: int = Field(
        200_000, ge=1, description="Largest evidence attachment of a tip-off (bytes)."
    )
    tips_attachments_max: int = Field(
        3, ge=0, description="Most evidence attachments on one tip-off."
    )
    inspections_roster: Path | None = Field(
        None,
        description="CSV roster of inspectors (name, region, conflicts) for random "
        "inspections (docs/supervision.md); default DATA_DIR/inspectors.csv.",
    )

    @property
    def backend(self) -> Literal["falkordb", "neo4j"]:
        return "neo4j" if self.neo4j_uri else "falkordb"

    def ensure_data_dir(self) -> Path:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create data directory {self.data_dir}: {exc.strerror}"
            ) from exc
        return self.data_dir

    def _secret_file(self, name: str) -> str:
        """Read or create a random secret kept in the data directory (mode 0600,
        ``graphsvc.security.secretfile``)."""
        if self.environment == "production":
            raise ConfigError(f"GRAPHSVC_{name.upper()} must be set in production")
        path = self.ensure_data_dir() / f".{name}"
        # Created 0600 in one step and published atomically (never write-then-chmod).
        return read_or_create(path, secrets.token_urlsafe(32).encode()).decode().strip()

    def resolved_store_password(self) -> str:
        return self.store_password or self._secret_file("store_password")

    def resolved_secret_key(self) -> str:
        return self.secret_key or self._secret_file("secret_key")

    def validate_for_neo4j(self) -> None:
        if self.neo4j_uri and not self.neo4j_password:
            raise ConfigError("GRAPHSVC_NEO4J_PASSWORD must be set with GRAPHSVC_NEO4J_URI")


@lru_cache
def get_settings() -> Settings:
    return Settings()
