"""The render tests' network and golden cases are the round-trip's input: read back must undo render."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "render"))
