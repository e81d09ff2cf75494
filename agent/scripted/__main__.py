import sys

from agent.scripted.server import main

sys.exit(main())
