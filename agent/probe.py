"""The header that marks `agent doctor`'s probe requests. A real server ignores it; the scripted
stand-in answers such a request with a probe turn of its own, so the doctor never uses up the
turns of a run script."""

HEADER = "X-Agent-Probe"
