# The node agent: small enough for a Raspberry Pi (no Jetty, no MapDB).
include common
include grpc
org.jspecify.jspecify
com.sun.jna
com.sun.jna.platform
com.github.oshi.oshi-common
com.github.oshi.oshi-core
io.orchion.agent
# model files: the node's model cache (downloads with resume and a SHA-256 check)
io.orchion.models
# Jackson: the runtimes' one JSON library (Docker's engine client, Ollama's and vLLM's APIs)
com.fasterxml.jackson.core.jackson-annotations
com.fasterxml.jackson.core.jackson-core
com.fasterxml.jackson.core.jackson-databind
# what every execution runtime uses (run bookkeeping, process groups, lines), then the runtimes (plugins)
io.orchion.runtime.support
io.orchion.runtime.process
io.orchion.runtime.ollama
io.orchion.runtime.docker
io.orchion.runtime.vllm
# llama.cpp's llama-server for GGUF models from the model cache (most homelab nodes serve with it)
io.orchion.runtime.llamacpp
ready agent
