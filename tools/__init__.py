"""MCP in both directions: built-in servers and the client hub (see the MCP issue)."""
