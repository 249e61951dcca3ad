"""`python -m backend_services <name>`: run the service `name` of contracts.topology.

The images run this with `SERVICE` set, so the Dockerfile names no service.
"""

import os
import sys

from backend_services.common.serve import serve

serve(sys.argv[1] if len(sys.argv) > 1 else os.environ["SERVICE"])
