"""The only package that imports SQLAlchemy: tables, the write path, reads and migrations."""
