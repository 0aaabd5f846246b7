"""Pure-Python domain logic of eventnet (no Flask, no SQLAlchemy)."""
