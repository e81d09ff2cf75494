"""An agent that operates desktops and phones with self-hosted Qwen vision-language models."""

__version__ = "0.1.0"
