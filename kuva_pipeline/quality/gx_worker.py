"""A process that imports Great Expectations while the run goes on, then validates frames for it.

Importing GX costs some 2.5 s of one core, and a thread of the run's own process
cannot take it off the run's path: the import holds the interpreter, so beside
Dagster's start-up, dbt or a Python-bound load it only takes turns with them.
`kuva refresh` of the whole job as it starts up, and any other run that validates
with GX as its raw feeds load, start this process instead (`gx_runner.start_worker`):
it imports GX on the other core and builds the ephemeral context, and the check
step sends it its frames.

Protocol: on its standard input, pickled requests `(frame, rules, row_id,
value_sets)`; on its standard output, for each, the pickled result of
`gx_runner.validate_with_gx` run here. The process ends when its input does
(the run's process ended or closed it), at once.
"""

from __future__ import annotations

import os
import pickle
import sys


def main() -> int:
    from kuva_pipeline.quality import gx_runner

    requests = sys.stdin.buffer
    # The replies get a descriptor of their own, and standard output becomes standard
    # error: nothing GX or a library prints, from Python or C, can mix into them.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    gx_runner.batch_definition()
    while True:
        try:
            frame, rules, row_id, value_sets = pickle.load(requests)
        except EOFError:
            # Without tearing the interpreter down: freeing GX's modules took about a second,
            # which the run's process, waiting for this one, would spend too.
            replies.flush()
            os._exit(0)
        results = gx_runner.validate_in_process(frame, rules, row_id, value_sets)
        pickle.dump(results, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


if __name__ == "__main__":
    sys.exit(main())
