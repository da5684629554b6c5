# gRPC and the orchion.v1 protocol
com.google.protobuf
com.google.guava.failureaccess
com.google.guava
com.google.gson
io.orchion.lib-grpc
io.orchion.proto
