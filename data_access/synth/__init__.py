"""The demo generator: deterministic synthetic ITRAC data (`itrac demo`).

`build_demo_lake` (in `demo`) is the entry point. The parts, each a module here:
`catalog` (the demo world: importers, brokers, goods, duties), `world` (that catalog as
arrays), `demo` (months, entries and lines drawn with numpy), `tables` (prices and the
entry tables), `bonds` (bonds and reconciliations) and `audit` (the planted findings).
"""

from data_access.synth.demo import BROKERS, IMPORTERS, Broker, Importer, build_demo_lake

__all__ = ["BROKERS", "IMPORTERS", "Broker", "Importer", "build_demo_lake"]
