# All in one: the orchestrator and a local agent in one JVM (what `orchion up` starts).
include orchestrator
include agent
