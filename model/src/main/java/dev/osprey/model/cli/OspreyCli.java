package dev.osprey.model.cli;

import dev.osprey.model.error.OspreyException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Entry point of the {@code osprey} tool: runs the whole pipeline in one process.
 *
 * <p>Exit codes: 0 success, 1 failure while running, 2 bad usage (an unknown flag, a missing or
 * invalid value).
 */
@Command(
        name = "osprey",
        mixinStandardHelpOptions = true,
        versionProvider = OspreyCli.Version.class,
        description = "Osprey region understanding: build model bundles and run the pipeline in one process.",
        subcommands = {
            TinyCommand.class,
            ConvertCommand.class,
            EncodeCommand.class,
            ExtractCommand.class,
            GenerateCommand.class,
            SegmentCommand.class,
            SegmentAllCommand.class,
            BenchCommand.class
        })
public final class OspreyCli implements Runnable {

    @CommandLine.Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: one of tiny, convert, encode, extract, generate, segment, segment-all");
    }

    /** Runs the tool and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the tool with the given console streams; returns the exit code instead of exiting. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new OspreyCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler(OspreyCli::usageError);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Our own errors already say what to fix; anything else is a bug, reported as such.
            String message = e instanceof OspreyException ? e.getMessage() : "internal error: " + e;
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + message);
            return 1;
        });
        return commandLine.execute(args);
    }

    /** Bad usage is one line that says what to fix, not the whole usage text. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
        return 2;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = OspreyCli.class.getPackage().getImplementationVersion();
            return new String[] {"osprey " + (version == null ? "development build" : version)};
        }
    }
}
