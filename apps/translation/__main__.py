import sys

from apps.translation.cli import main

sys.exit(main())
