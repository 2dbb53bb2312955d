package io.aebridge.cli;

import io.aebridge.data.DataFormatException;
import io.aebridge.load.BuildInfo;
import io.aebridge.load.ModelLoadException;
import io.aebridge.spec.SpecException;
import io.aebridge.train.TrainingCancelledException;
import io.aebridge.train.TrainingDivergedException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

@Command(name = "aebridge", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
    subcommands = {QuickstartCommand.class, TrainCommand.class, EvaluateCommand.class, InspectCommand.class,
        ImportCommand.class, ServeCommand.class, TfServingCommand.class, GoldensCommand.class, QualityCommand.class,
        DemoCommand.class,
        CommandLine.HelpCommand.class},
    description = {
        "AE Bridge: train autoencoders with TensorFlow Java, move SavedModels between Python and Java, serve them.",
        "",
        "Start with `aebridge quickstart`: it fetches MNIST, trains the tutorial's 784-32-784 autoencoder if",
        "saved-models/ has none, evaluates it against PCA, and serves every model. `aebridge help <command>`",
        "explains each command."})
public final class Main {
  /** Exit code for bad input (spec, data, arguments). */
  static final int EXIT_USAGE = 2;
  /** Exit code after Ctrl-C, as shells report SIGINT. */
  static final int EXIT_INTERRUPTED = 130;

  @Option(names = "--home", hidden = true, description = "The project folder (data/, scripts/).",
      defaultValue = "${sys:aebridge.home:-.}")
  Path home;

  Path home() {
    return home;
  }

  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("serve") || args[0].equals("tfserving"))) {
      // A server's readiness waits on TensorFlow's native library (~0.7 s): start loading it before the command
      // line is even parsed, so it overlaps the HTTP side's start-up instead of queueing behind it.
      NativePreload.start();
    }
    System.exit(run(args));
  }

  static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    attachVersion(cli, new Version());
    // Help fills the terminal's width (80 when it cannot be told); descriptions are paragraphs picocli wraps.
    cli.setUsageHelpAutoWidth(true);
    DemoCommand.listDemos(cli.getSubcommands().get("demo"));
    TfServingCommand.lastValueWins(cli.getSubcommands().get("tfserving"));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      int code = exitCodeFor(e);
      if (code == 1) {
        throw e;
      }
      commandLine.getErr().println(commandLine.getColorScheme().errorText("error: " + message(e)));
      return code;
    });
    return cli.execute(args);
  }

  private static int exitCodeFor(Exception e) {
    if (e instanceof TrainingCancelledException) {
      return EXIT_INTERRUPTED;
    }
    if (e instanceof SpecException || e instanceof DataFormatException || e instanceof NoSuchFileException
        || e instanceof IllegalArgumentException || e instanceof ModelLoadException
        || e instanceof TrainingDivergedException || e instanceof IOException) {
      return EXIT_USAGE;
    }
    return 1;
  }

  private static String message(Exception e) {
    return e instanceof NoSuchFileException ? "no such file: " + e.getMessage() : e.getMessage();
  }

  /**
   * Gives {@code cli} and every subcommand the version text. Not declared on the annotation: picocli asks an
   * inherited version provider for its text while it builds each subcommand, and ours asks TensorFlow for its
   * runtime version, which loads the native library on the main thread before any command runs. Attached
   * afterwards, it is asked only by {@code --version}.
   */
  private static void attachVersion(CommandLine cli, IVersionProvider version) {
    cli.getCommandSpec().versionProvider(version);
    cli.getSubcommands().values().forEach(sub -> attachVersion(sub, version));
  }

  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      BuildInfo b = BuildInfo.current();
      return new String[] {"aebridge " + b.projectVersion(), "TensorFlow Java " + b.tensorflowJavaVersion()
          + " (TensorFlow runtime " + b.tensorflowRuntimeVersion() + ")", "Java " + b.javaVersion()};
    }
  }
}
