"""Build (or update) the index over corpus/ and serve the web chat on http://127.0.0.1:7860.

Thin on purpose: everything it does goes through the public API in `rag`.
"""

import logging
import sys
from pathlib import Path

from rag.cli import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    here = Path(__file__).resolve().parent
    corpus, index = str(here / "corpus"), str(here / "index")
    code = main(["build", corpus, "--index", index])
    if code:
        sys.exit(code)
    sys.exit(main(["serve", "--index", index, "--corpus", corpus, *sys.argv[1:]]))
