"""Pages for people: Jinja2 views (``views``), the zh/en catalog (``i18n``), templates
and static files. A regular package (not a namespace one) so tools such as
import-linter see its modules."""
