"""uvicorn under cProfile, profiling only between SIGUSR1 (start) and SIGUSR2 (stop and write
the statistics to the file named by the first argument): the dashboards benchmark profiles the
fan-out of its events, not the thousand connections made before them.

    python -m tests.benchmarks._profiled_server /tmp/fanout.prof <uvicorn arguments…>
"""

import cProfile
import signal
import sys

import uvicorn.main


def main() -> None:
    path, args = sys.argv[1], sys.argv[2:]
    profiler = cProfile.Profile()
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())

    def stop(*_):
        profiler.disable()
        profiler.dump_stats(path)

    signal.signal(signal.SIGUSR2, stop)
    uvicorn.main.main(args)


if __name__ == "__main__":
    main()
