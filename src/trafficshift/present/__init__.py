"""Presenting plans and runs to people: the plan table and salt-run text, the HTML report."""
