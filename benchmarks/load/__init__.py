"""Load benchmark: eventnet on gunicorn + PostgreSQL against a minimal ceiling app."""
