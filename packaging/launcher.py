"""Entry point of the bundled executable (the same as the ``workbench`` console script)."""

import os
import runpy
import sys
import traceback

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "-m":
        # ``workbench -m module`` runs a module as ``python -m`` does: the bundle has no
        # interpreter of its own, and worker processes (the cvr plugin's mapping) start so.
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        except SystemExit:
            raise
        except BaseException:  # the reason on stderr and an exit code, never a dialog
            if sys.stderr is not None:
                traceback.print_exc()
                sys.stderr.flush()
            os._exit(1)
        sys.exit(0)
    from workbench.cli import main

    sys.exit(main())
