"""The warehouse: SQLAlchemy models and Alembic migrations of esgflow's database."""
