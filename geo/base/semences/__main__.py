import sys

from geo.base.semences import main

sys.exit(main())
