"""`python -m braid_core.cli`, as background jobs run it (`... run-job <id>`, see jobs.py)."""

from braid_core.cli import app

if __name__ == "__main__":
    app()
