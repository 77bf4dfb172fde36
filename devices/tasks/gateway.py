"""Gateway tasks: offline detection, command time-outs and retries."""
