import sys

from geo.semences import main

sys.exit(main())
