package io.aebridge.serve.repository;

import io.aebridge.load.ModelLayout;
import io.aebridge.serve.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * The op allow-list, checked on {@code saved_model.pb} itself <em>before</em> TensorFlow loads a model (loading
 * already runs the restore and init ops). A SavedModel is a program: every op in its graph and in its function
 * library must be on the list, and the checkpoint-writing ops that every SavedModel carries for its saver
 * ({@code SaveV2}, {@code MergeV2Checkpoints}) must not be reachable from a signature, the restore op or an init
 * op. What it does not stop: ops on the list used wastefully (a huge {@code Fill}), bugs in TensorFlow's kernels.
 *
 * <p>Immutable and thread-safe.
 */
public final class OpPolicy {
  /** Ops that write checkpoints: allowed only on the saver's own save path. */
  static final Set<String> SAVE_PATH_ONLY = Set.of("SaveV2", "Save", "SaveSlices", "MergeV2Checkpoints");
  /** Why some well-known ops are refused, for the message. */
  private static final Map<String, String> REASONS = Map.ofEntries(
      Map.entry("ReadFile", "reads files"),
      Map.entry("WriteFile", "writes files"),
      Map.entry("MatchingFiles", "lists files"),
      Map.entry("ImmutableConst", "memory-maps a file"),
      Map.entry("PyFunc", "calls back into Python"),
      Map.entry("PyFuncStateless", "calls back into Python"),
      Map.entry("EagerPyFunc", "calls back into Python"),
      Map.entry("PrintV2", "can write to a file"),
      Map.entry("Print", "writes to the server's output"),
      Map.entry("InitializeTableFromTextFile", "reads files"),
      Map.entry("InitializeTableFromTextFileV2", "reads files"),
      Map.entry("WholeFileReader", "reads files"),
      Map.entry("WholeFileReaderV2", "reads files"),
      Map.entry("TFRecordReaderV2", "reads files"),
      Map.entry("TFRecordDataset", "reads files"),
      Map.entry("DebugIdentity", "can write to files or the network"),
      Map.entry("DebugIdentityV2", "can write to files"),
      Map.entry("WriteSummary", "writes files"),
      Map.entry("CreateSummaryFileWriter", "writes files"));
  private static final List<String> INIT_COLLECTIONS = List.of("saved_model_main_op", "legacy_init_op",
      "saved_model_init_op", "table_initializer");
  private static final Set<String> DEFAULT_ALLOWED = readDefaultAllowList();

  private final boolean enforce;
  private final Set<String> allowed;
  private final Set<String> denied;

  private OpPolicy(boolean enforce, Set<String> allowed, Set<String> denied) {
    this.enforce = enforce;
    this.allowed = Collections.unmodifiableSet(allowed);
    this.denied = Collections.unmodifiableSet(denied);
  }

  /** The policy {@code ops} describes: the built-in list plus its extra ops, minus its denied ones. */
  public static OpPolicy of(ServerConfig.Ops ops) {
    Set<String> allowed = new TreeSet<>(DEFAULT_ALLOWED);
    allowed.addAll(ops.extraAllowed());
    return new OpPolicy(ops.enforce(), allowed, new TreeSet<>(ops.denied()));
  }

  /** The built-in allow-list ({@code allowed-ops.txt} beside this class). */
  public static Set<String> defaultAllowList() {
    return DEFAULT_ALLOWED;
  }

  public boolean enforced() {
    return enforce;
  }

  /** Whether op type {@code op} may appear in a served graph. */
  public boolean allows(String op) {
    return !denied.contains(op) && allowed.contains(op);
  }

  /** A model the policy refuses; the message names the op and where it sits. */
  public static final class RefusedException extends Exception {
    private final String op;

    RefusedException(String op, String message) {
      super(message);
      this.op = op;
    }

    /** The refused op type, or {@code null} when the file itself is unusable. */
    public String op() {
      return op;
    }
  }

  /**
   * Checks the SavedModel in {@code versionDir} (its meta graph tagged {@code serve}).
   *
   * @throws RefusedException naming the first refused op, or when {@code saved_model.pb} cannot be parsed
   */
  public void check(Path versionDir) throws RefusedException, IOException {
    SavedModel model;
    try (InputStream in = Files.newInputStream(versionDir.resolve(ModelLayout.SAVED_MODEL_FILE))) {
      model = SavedModel.parseFrom(in);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new RefusedException(null, ModelLayout.SAVED_MODEL_FILE + " is not a SavedModel protobuf ("
          + e.getMessage() + ")");
    }
    MetaGraphDef graph = null;
    for (MetaGraphDef mg : model.getMetaGraphsList()) {
      if (mg.getMetaInfoDef().getTagsList().contains("serve")) {
        graph = mg;
        break;
      }
    }
    if (graph == null) {
      throw new RefusedException(null, "the SavedModel has no meta graph tagged 'serve' (tags: " + model
          .getMetaGraphsList().stream().map(m -> m.getMetaInfoDef().getTagsList()).toList() + ")");
    }
    if (enforce) {
      check(graph);
    }
  }

  private void check(MetaGraphDef graph) throws RefusedException {
    Map<String, FunctionDef> functions = new HashMap<>();
    for (FunctionDef f : graph.getGraphDef().getLibrary().getFunctionList()) {
      functions.put(f.getSignature().getName(), f);
    }
    for (NodeDef node : graph.getGraphDef().getNodeList()) {
      checkOp(node.getOp(), "graph node '" + node.getName() + "'", functions);
    }
    for (FunctionDef f : graph.getGraphDef().getLibrary().getFunctionList()) {
      for (NodeDef node : f.getNodeDefList()) {
        checkOp(node.getOp(), "node '" + node.getName() + "' of function '" + f.getSignature().getName() + "'",
            functions);
      }
    }
    checkSavePathUnreachable(graph, functions);
  }

  private void checkOp(String op, String where, Map<String, FunctionDef> functions) throws RefusedException {
    if (functions.containsKey(op) || allows(op)) {
      return;
    }
    String reason = REASONS.get(op);
    throw new RefusedException(op, "refused by the op allow-list: op " + op + (reason == null ? "" : " (" + reason
        + ")") + " at " + where + (denied.contains(op) ? " is denied by ops.denied" : " is not allowed")
        + "; TensorFlow models are programs, and this server runs only graphs made of allow-listed ops (extend the "
        + "list with ops.extraAllowed if you trust this model)");
  }

  /** Walks back from everything the server runs; no checkpoint-writing op may be found on the way. */
  private static void checkSavePathUnreachable(MetaGraphDef graph, Map<String, FunctionDef> functions)
      throws RefusedException {
    Map<String, NodeDef> nodes = new HashMap<>();
    for (NodeDef n : graph.getGraphDef().getNodeList()) {
      nodes.put(n.getName(), n);
    }
    Map<String, String> rootOf = new HashMap<>();
    Deque<String> work = new ArrayDeque<>();
    for (Map.Entry<String, SignatureDef> sig : graph.getSignatureDefMap().entrySet()) {
      for (TensorInfo out : sig.getValue().getOutputsMap().values()) {
        enqueue(nodeName(out.getName()), "signature '" + sig.getKey() + "'", rootOf, work);
      }
    }
    if (!graph.getSaverDef().getRestoreOpName().isEmpty()) {
      enqueue(nodeName(graph.getSaverDef().getRestoreOpName()), "the restore op", rootOf, work);
    }
    for (String key : INIT_COLLECTIONS) {
      CollectionDef c = graph.getCollectionDefMap().get(key);
      if (c != null && c.hasNodeList()) {
        for (String name : c.getNodeList().getValueList()) {
          enqueue(nodeName(name), "init op collection '" + key + "'", rootOf, work);
        }
      }
    }
    Set<String> reachableFunctions = new LinkedHashSet<>();
    Deque<String> functionWork = new ArrayDeque<>();
    Map<String, String> functionRoot = new HashMap<>();
    while (!work.isEmpty()) {
      String name = work.pop();
      NodeDef node = nodes.get(name);
      if (node == null) {
        continue;
      }
      String root = rootOf.get(name);
      refuseSaveOp(node, "graph node '" + name + "'", root);
      for (String input : node.getInputList()) {
        enqueue(nodeName(input), root, rootOf, work);
      }
      for (String f : calledFunctions(node, functions)) {
        if (reachableFunctions.add(f)) {
          functionWork.push(f);
          functionRoot.put(f, root);
        }
      }
    }
    while (!functionWork.isEmpty()) {
      String fname = functionWork.pop();
      String root = functionRoot.get(fname);
      for (NodeDef node : functions.get(fname).getNodeDefList()) {
        refuseSaveOp(node, "node '" + node.getName() + "' of function '" + fname + "'", root);
        for (String f : calledFunctions(node, functions)) {
          if (reachableFunctions.add(f)) {
            functionWork.push(f);
            functionRoot.put(f, root);
          }
        }
      }
    }
  }

  private static void refuseSaveOp(NodeDef node, String where, String root) throws RefusedException {
    if (SAVE_PATH_ONLY.contains(node.getOp())) {
      throw new RefusedException(node.getOp(), "refused by the op allow-list: op " + node.getOp()
          + " (writes checkpoint files) at " + where + " is reachable from " + root + "; it is allowed only on the "
          + "saver's own save path, which the server never runs");
    }
  }

  private static void enqueue(String name, String root, Map<String, String> rootOf, Deque<String> work) {
    if (rootOf.putIfAbsent(name, root) == null) {
      work.push(name);
    }
  }

  /** {@code ^name}, {@code name:1} → {@code name}. */
  private static String nodeName(String input) {
    String n = input.startsWith("^") ? input.substring(1) : input;
    int colon = n.indexOf(':');
    return colon < 0 ? n : n.substring(0, colon);
  }

  private static Set<String> calledFunctions(NodeDef node, Map<String, FunctionDef> functions) {
    Set<String> out = new LinkedHashSet<>();
    if (functions.containsKey(node.getOp())) {
      out.add(node.getOp());
    }
    for (AttrValue attr : node.getAttrMap().values()) {
      if (attr.hasFunc()) {
        addFunction(attr.getFunc(), functions, out);
      }
      if (attr.hasList()) {
        for (NameAttrList f : attr.getList().getFuncList()) {
          addFunction(f, functions, out);
        }
      }
    }
    return out;
  }

  private static void addFunction(NameAttrList f, Map<String, FunctionDef> functions, Set<String> out) {
    if (functions.containsKey(f.getName())) {
      out.add(f.getName());
    }
  }

  private static Set<String> readDefaultAllowList() {
    Set<String> ops = new TreeSet<>();
    try (InputStream in = OpPolicy.class.getResourceAsStream("allowed-ops.txt")) {
      if (in == null) {
        throw new IllegalStateException("allowed-ops.txt is missing from the class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String op = line.strip();
        if (!op.isEmpty() && !op.startsWith("#")) {
          ops.add(op);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read allowed-ops.txt", e);
    }
    return Collections.unmodifiableSet(ops);
  }
}
