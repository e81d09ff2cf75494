"""Scripted task suites, evaluators and the `agent bench` runner (see the task-suite issue)."""
