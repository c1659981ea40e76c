"""Developer tools: the demo builder, synthetic members and the benchmarks.

Nothing here runs on a kiosk or at the central store; the `kiosk demo` and
`kiosk bench` subcommands import it only when they run.
"""
