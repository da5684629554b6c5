# The orchestrator: store, registry, gRPC control service, REST API.
include common
include grpc
com.fasterxml.jackson.core.jackson-annotations
com.fasterxml.jackson.core.jackson-core
com.fasterxml.jackson.core.jackson-databind
com.fasterxml.jackson.datatype.jackson-datatype-jsr310
com.google.protobuf.util
# the certificate authority, API tokens and audit log (Bouncy Castle builds the certificates);
# before Jetty, whose HTTPS listener reads the key store it writes
bcprov
bcutil
bcpkix
io.orchion.security
org.apache.commons.commons-io
org.apache.commons.commons-fileupload
org.apache.felix.http.servlet-api
org.apache.felix.http.jetty12
org.yaml.snakeyaml
com.fasterxml.jackson.dataformat.jackson-dataformat-yaml
com.ethlo.time.itu
com.networknt.json-schema-validator
io.orchion.jobs
io.orchion.store
io.orchion.registry
io.orchion.control
io.orchion.rest
io.orchion.metrics
# the model gateway: /v1 (OpenAI-compatible) in front of the models the cluster serves
io.orchion.gateway
# the web dashboard at / (shadows the rest bundle's status page while installed)
io.orchion.dashboard
io.orchion.scheduler
io.orchion.logs
# scheduling strategies (plugins)
io.orchion.scheduler.round-robin
io.orchion.scheduler.gpu-aware
io.orchion.scheduler.bin-packing
ready grpc
ready http
