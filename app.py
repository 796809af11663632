"""The web app, as the design card names it: `python app.py` is `policyqa serve` (see qa/web/app.py)."""

import sys

from qa.web.app import main

if __name__ == "__main__":
    sys.exit(main())
