# The node agent: small enough for a Raspberry Pi (no Jetty, no MapDB).
include common
include grpc
org.jspecify.jspecify
com.sun.jna
com.sun.jna.platform
com.github.oshi.oshi-common
com.github.oshi.oshi-core
io.orchion.agent
# execution runtimes (plugins)
io.orchion.runtime.process
io.orchion.runtime.vllm
ready agent
