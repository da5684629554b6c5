# gRPC and the orchion.v1 protocol
com.google.protobuf
com.google.guava.failureaccess
com.google.guava
# Gson: grpc-java and protobuf-java-util read JSON with it
com.google.gson
io.orchion.lib-grpc
io.orchion.proto
