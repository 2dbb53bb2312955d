module aebridge/protoprint

go 1.21

require (
	github.com/jhump/protoreflect v1.17.0
	google.golang.org/protobuf v1.34.2
)

require (
	github.com/bufbuild/protocompile v0.14.1 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
)
