"""``python -m helpcourse.hub``: provisioning steps of the course's JupyterHub (see docs/HUB.md)."""

import sys

from helpcourse.hub.provision import main

sys.exit(main())
