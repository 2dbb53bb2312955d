// Command protoprint writes .proto source files from a binary FileDescriptorSet read on stdin.
// Used once, by vendor.sh, to vendor the published TF Serving and KServe protocol definitions from the
// descriptors that their official Python packages ship (those packages carry no .proto text).
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/jhump/protoreflect/desc"
	"github.com/jhump/protoreflect/desc/protoprint"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: protoprint OUT_DIR [FILE...] < set.pb  (FILEs: which files of the set to write; default all)")
		os.Exit(2)
	}
	raw, err := io.ReadAll(os.Stdin)
	check(err)
	var set descriptorpb.FileDescriptorSet
	check(proto.Unmarshal(raw, &set))
	files, err := desc.CreateFileDescriptorsFromSet(&set)
	check(err)
	want := map[string]bool{}
	for _, f := range os.Args[2:] {
		want[f] = true
	}
	var out []*desc.FileDescriptor
	for name, fd := range files {
		if len(want) == 0 || want[name] {
			out = append(out, fd)
		}
	}
	p := protoprint.Printer{Compact: false, SortElements: false}
	check(p.PrintProtosToFileSystem(out, os.Args[1]))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "protoprint:", err)
		os.Exit(1)
	}
}
