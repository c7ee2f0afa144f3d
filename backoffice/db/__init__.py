"""The database: typed models, exact column types, engines and migrations."""
