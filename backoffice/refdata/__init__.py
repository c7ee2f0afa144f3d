"""Reference data: the venue file's schema, its validation, and loading it into the database."""
