"""Where the golden scripts write by default: tests/fixtures/, found from this file rather than
the working directory, so that a script run from the repository's root or from anywhere else
writes the fixtures the tests read."""
import pathlib

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
