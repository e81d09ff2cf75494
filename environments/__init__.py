"""Machines the agent operates, all behind one interface (environments.base.Environment)."""
