"""Every run in SQL (SQLAlchemy 2, Alembic): SQLite by default, PostgreSQL at scale. No Appium here."""
