"""Bulk-load an N-Quads dump into the store a configuration names — the initial build of a node moving to
a SPARQL server (docs/scaling.md), through the server's fast path (store.write).

    .venv/bin/python scripts/load-store.py DUMP.nq[.gz] [--config pangraph.toml]

The dump is streamed (gzip is read as it is decompressed); the store is not cleared first. Typical use:
``pangraph export --dump`` on the embedded node, then set ``store.backend = "sparql"`` and run this.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

from pangraph.config import load_config
from pangraph.errors import PangraphError
from pangraph.store import open_store


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", type=Path, help="N-Quads file (.nq or .nq.gz)")
    ap.add_argument("--config", type=Path, default=None, help="pangraph.toml (default: $PANGRAPH_CONFIG or ./pangraph.toml)")
    args = ap.parse_args()
    try:
        config = load_config(args.config)
        store = open_store(config)
        started = time.monotonic()
        opener = gzip.open if args.dump.suffix == ".gz" else open
        with opener(args.dump, "rb") as data:
            store.bulk_load(data, format="application/n-quads")
        quads = store.count_quads()
        store.close()
    except (PangraphError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"loaded {args.dump} into {config['store.backend']} store in {time.monotonic() - started:.1f} s; "
          f"it now holds {quads} quads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
