"""``python -m geo.build``: build or refresh the data cache."""

import sys

from geo.build.construction import main

sys.exit(main())
