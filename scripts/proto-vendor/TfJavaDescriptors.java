import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarFile;

/**
 * Writes a FileDescriptorSet of the TensorFlow .proto files that TF Java's jar compiled into org.tensorflow.proto,
 * so that the vendored import-only copies carry exactly TF Java's java_package and outer class names and the
 * generated TF Serving classes link against TF Java's own message classes.
 *
 * <p>Usage: java -cp PROTOBUF_JAR:TF_NATIVE_JAR TfJavaDescriptors.java TF_NATIVE_JAR OUT.pb FILE...
 */
public class TfJavaDescriptors {
  public static void main(String[] args) throws Exception {
    Map<String, FileDescriptor> byName = new LinkedHashMap<>();
    try (JarFile jar = new JarFile(args[0])) {
      for (var e : java.util.Collections.list(jar.entries())) {
        String n = e.getName();
        if (!n.startsWith("org/tensorflow/proto/") || !n.endsWith(".class") || n.contains("$")) {
          continue;
        }
        Class<?> c = Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false,
            TfJavaDescriptors.class.getClassLoader());
        Method m;
        try {
          m = c.getDeclaredMethod("getDescriptor");
        } catch (NoSuchMethodException ex) {
          continue;
        }
        if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == FileDescriptor.class) {
          FileDescriptor fd = (FileDescriptor) m.invoke(null);
          byName.put(fd.getName(), fd);
        }
      }
    }
    Map<String, FileDescriptor> closure = new LinkedHashMap<>();
    for (int i = 2; i < args.length; i++) {
      FileDescriptor fd = byName.get(args[i]);
      if (fd == null) {
        throw new IllegalArgumentException("TF Java has no compiled " + args[i]);
      }
      add(fd, closure);
    }
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    closure.values().forEach(fd -> set.addFile(fd.toProto()));
    try (OutputStream out = Files.newOutputStream(Path.of(args[1]))) {
      set.build().writeTo(out);
    }
    closure.keySet().forEach(System.out::println);
  }

  private static void add(FileDescriptor fd, Map<String, FileDescriptor> closure) {
    if (closure.containsKey(fd.getName())) {
      return;
    }
    fd.getDependencies().forEach(d -> add(d, closure));
    closure.put(fd.getName(), fd);
  }
}
